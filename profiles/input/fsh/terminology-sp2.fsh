// Code systems and value sets for readiness, barriers, connections, status reasons and closure.

CodeSystem: SPReadiness
Id: sp-readiness
Title: "Readiness to act"
Description: "How ready the person is to act on a goal or a connection, as the link worker assessed it."
* insert SPMetadata
* ^caseSensitive = true
* ^content = #complete
* #not-ready "Not ready" "Not thinking about change yet."
* #considering "Considering" "Thinking about change, not yet ready to act."
* #ready "Ready" "Ready to act soon."
* #acting "Acting" "Already acting on it."

ValueSet: SPReadinessVS
Id: sp-readiness
Title: "Readiness to act"
Description: "All readiness stages."
* insert SPMetadata
* include codes from system SPReadiness

CodeSystem: SPBarrier
Id: sp-barrier
Title: "Barrier to connection"
Description: "Things that stop a connection to community support, structural (in the person's circumstances) or personal (in themselves); sp-barrier-type says which each is."
* insert SPMetadata
* ^caseSensitive = true
* ^content = #complete
* #transport "Transport"
* #caring-responsibilities "Caring responsibilities"
* #housing "Housing"
* #finances "Finances"
* #employment "Employment"
* #language "Language"
* #physical-health "Physical health"
* #mental-health "Mental health"
* #confidence "Confidence"
* #digital-access "Digital access"
* #service-unavailable "Service unavailable"
* #other "Other barrier"

ValueSet: SPBarrierVS
Id: sp-barrier
Title: "Barrier to connection"
Description: "All barrier codes."
* insert SPMetadata
* include codes from system SPBarrier

CodeSystem: SPConnectionStatus
Id: sp-connection-status
Title: "Connection status"
Description: "Where an onward referral or signposting to a community organisation stands."
* insert SPMetadata
* ^caseSensitive = true
* ^content = #complete
* #suggested "Suggested"
* #referred "Referred"
* #attended "Attended"
* #declined "Declined"
* #not-possible "Not possible"

ValueSet: SPConnectionStatusVS
Id: sp-connection-status
Title: "Connection status"
Description: "All connection status codes."
* insert SPMetadata
* include codes from system SPConnectionStatus

CodeSystem: SPStatusReason
Id: sp-status-reason
Title: "Referral status reason"
Description: "Why a social prescribing referral was declined or withdrawn."
* insert SPMetadata
* ^caseSensitive = true
* ^content = #complete
* #patient-declined "Person declined"
* #patient-not-contactable "Person could not be contacted"
* #needs-met-elsewhere "Needs met elsewhere"
* #not-appropriate "Social prescribing not appropriate"
* #referrer-withdrew "Referrer withdrew the referral"
* #patient-moved-away "Person moved away"
* #patient-died "Person died"
* #other "Other reason"

ValueSet: SPStatusReasonVS
Id: sp-status-reason
Title: "Request status reason"
Description: "Why a referral or a connection ended without being carried out: the national declined code, the project's referral reasons and the connection statuses."
* insert SPMetadata
* $sct#871711000000103 "Social prescribing declined"
* include codes from system SPStatusReason
* include codes from system SPConnectionStatus

CodeSystem: SPClosureReason
Id: sp-closure-reason
Title: "Episode closure reason"
Description: "Why a social prescribing episode ended."
* insert SPMetadata
* ^caseSensitive = true
* ^content = #complete
* #goals-achieved "Goals achieved"
* #connected-to-community "Connected to community support"
* #patient-disengaged "Person stopped engaging"
* #patient-request "Person asked to end support"
* #barriers-prevented-connection "Barriers prevented a connection"
* #transferred "Transferred to another service"
* #supported-by-link-worker "Supported by the link worker (connecting with)" "Connecting with: the link worker's own support, as the person's anchor point, was the support they needed."
* #other "Other reason"

ValueSet: SPClosureReasonVS
Id: sp-closure-reason
Title: "Episode closure reason"
Description: "All closure reasons."
* insert SPMetadata
* include codes from system SPClosureReason

CodeSystem: SPContactParticipant
Id: sp-contact-participant
Title: "Contact participant"
Description: "Who took part in a link worker contact besides the link worker."
* insert SPMetadata
* ^caseSensitive = true
* ^content = #complete
* #patient "The person"
* #carer "Carer"
* #family-member "Family member"
* #interpreter "Interpreter"
* #other-professional "Other professional"

ValueSet: SPContactParticipantVS
Id: sp-contact-participant
Title: "Contact participant"
Description: "All contact participant codes."
* insert SPMetadata
* include codes from system SPContactParticipant

// The two Provenance bindings point at value sets that are not in the offline build (v3-DataOperation) or would
// not be enforced there (extensible bindings to base value sets), so the profile binds to these project value
// sets instead; their codes are copied from the R4 definitions (provenance-activity-type's v3-DataOperation part,
// and the provenance-participant-type code system).
ValueSet: SPProvenanceActivityVS
Id: sp-provenance-activity
Title: "Provenance activity"
Description: "The data operations a delivery can record (the v3-DataOperation codes of the R4 provenance-activity-type value set)."
* insert SPMetadata
* http://terminology.hl7.org/CodeSystem/v3-DataOperation#CREATE "create"
* http://terminology.hl7.org/CodeSystem/v3-DataOperation#UPDATE "revise"
* http://terminology.hl7.org/CodeSystem/v3-DataOperation#APPEND "append"
* http://terminology.hl7.org/CodeSystem/v3-DataOperation#DELETE "delete"
* http://terminology.hl7.org/CodeSystem/v3-DataOperation#NULLIFY "nullify"

ValueSet: SPProvenanceAgentTypeVS
Id: sp-provenance-agent-type
Title: "Provenance agent type"
Description: "The roles an agent plays in a delivery (the codes of the provenance-participant-type code system)."
* insert SPMetadata
* http://terminology.hl7.org/CodeSystem/provenance-participant-type#enterer "Enterer"
* http://terminology.hl7.org/CodeSystem/provenance-participant-type#performer "Performer"
* http://terminology.hl7.org/CodeSystem/provenance-participant-type#author "Author"
* http://terminology.hl7.org/CodeSystem/provenance-participant-type#verifier "Verifier"
* http://terminology.hl7.org/CodeSystem/provenance-participant-type#attester "Attester"
* http://terminology.hl7.org/CodeSystem/provenance-participant-type#informant "Informant"
* http://terminology.hl7.org/CodeSystem/provenance-participant-type#custodian "Custodian"
* http://terminology.hl7.org/CodeSystem/provenance-participant-type#assembler "Assembler"
* http://terminology.hl7.org/CodeSystem/provenance-participant-type#composer "Composer"
