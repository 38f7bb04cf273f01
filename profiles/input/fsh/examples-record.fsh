// Examples for the profiles of the rest of the social prescribing record, one per profile (at least); each must
// validate against its profile. Together with the other examples they describe one episode: referral
// referral-1001 for the person with NHS number 9434765919, handled by link worker 555123456789 of RX9LW.

RuleSet: SPExampleLinkWorker(path)
* {path}.identifier.system = "https://fhir.nhs.uk/Id/sds-user-id"
* {path}.identifier.value = "555123456789"
* {path}.type = "Practitioner"
* {path}.display = "Sam Rivers (social prescribing link worker, Teesside Social Prescribing Service)"

RuleSet: SPExamplePatient(path)
* {path}.identifier.system = $nhs-number
* {path}.identifier.value = "9434765919"
* {path}.type = "Patient"

RuleSet: SPExampleSourceRecord(recordId)
* extension[sourceRecordVersion].valueInteger = 1
* identifier.system = "https://sp-fhir-adapter.org/fhir/Id/source-record/example-system"
* identifier.value = "{recordId}"

Instance: sp-contact-example
InstanceOf: SPContact
Title: "Example link worker contact"
Description: "A 50-minute face-to-face contact between the link worker and the person."
Usage: #example
* insert SPExampleSourceRecord(note-3001/contact)
* status = #finished
* class = http://terminology.hl7.org/CodeSystem/v3-ActCode#AMB "ambulatory"
* type = https://sp-fhir-adapter.org/fhir/CodeSystem/sp-contact-mode#face-to-face "Face to face"
* insert SPExamplePatient(subject)
* basedOn.reference = "ServiceRequest?identifier=https://sp-fhir-adapter.org/fhir/Id/source-record/example-system|referral-1001"
* insert SPExampleLinkWorker(participant[0].individual)
* period.start = "2026-01-12T14:00:00Z"
* period.end = "2026-01-12T14:50:00Z"
* length = $ucum#min "min"
* length.value = 50
* serviceProvider.identifier.system = "https://fhir.nhs.uk/Id/ods-organization-code"
* serviceProvider.identifier.value = "RX9LW"
* serviceProvider.type = "Organization"
* serviceProvider.display = "Teesside Social Prescribing Service"

Instance: sp-readiness-example
InstanceOf: SPReadinessObservation
Title: "Example readiness assessment"
Description: "At the first contact the person is considering acting on their goal."
Usage: #example
* insert SPExampleObservationCommon(goal-2001/readiness/2026-01-12T14:00:00Z)
* category[socialHistory] = $obs-category#social-history "Social History"
* code = $sp#readiness-to-act "Readiness to act"
* focus.reference = "Goal?identifier=https://sp-fhir-adapter.org/fhir/Id/source-record/example-system|goal-2001"
* focus.type = "Goal"
* valueCodeableConcept = https://sp-fhir-adapter.org/fhir/CodeSystem/sp-readiness#considering "Considering"
* component[motivation].code = https://sp-fhir-adapter.org/fhir/CodeSystem/sp-record-sections#readiness-motivation "Motivation to act"
* component[motivation].valueCodeableConcept = https://sp-fhir-adapter.org/fhir/CodeSystem/sp-readiness-level#high "High"
* component[capacity].code = https://sp-fhir-adapter.org/fhir/CodeSystem/sp-record-sections#readiness-capacity "Capacity to act"
* component[capacity].valueCodeableConcept = https://sp-fhir-adapter.org/fhir/CodeSystem/sp-readiness-level#low "Low"

Instance: sp-barrier-example
InstanceOf: SPBarrierObservation
Title: "Example barrier to connection"
Description: "Caring responsibilities stop the person from attending a daytime group."
Usage: #example
* insert SPExampleObservationCommon(note-3001/barrier/1)
* category[socialHistory] = $obs-category#social-history "Social History"
* code = $sp#barrier-to-connection "Barrier to connection"
* valueCodeableConcept = https://sp-fhir-adapter.org/fhir/CodeSystem/sp-barrier#caring-responsibilities "Caring responsibilities"
* component[barrierType].code = https://sp-fhir-adapter.org/fhir/CodeSystem/sp-record-sections#barrier-type "Type of barrier"
* component[barrierType].valueCodeableConcept = https://sp-fhir-adapter.org/fhir/CodeSystem/sp-barrier-type#structural "Structural barrier"
* note.text = "Cares for her husband during the day."

Instance: sp-need-example
InstanceOf: SPNeed
Title: "Example need in a support plan"
Description: "Social isolation, recorded as a need the support plan addresses."
Usage: #example
* insert SPExampleObservationCommon(plan-7001/need/isolation)
* category[socialHistory] = $obs-category#social-history "Social History"
* category[socialPrescribingNeed] = $sp#presenting-need "Social prescribing need or concern"
* code = $sct#422650009 "Social isolation"
* code.text = "Rarely leaves the house since moving"

Instance: sp-wemwbs-example
InstanceOf: SPWEMWBS
Title: "Example WEMWBS score"
Description: "A WEMWBS total of 31 with its fourteen item values."
Usage: #example
* insert SPExampleObservationCommon(note-3001/wemwbs)
* category[survey] = $obs-category#survey "Survey"
* code = $sct#718426000 "Warwick-Edinburgh Mental Well-being Scale score"
* valueQuantity = $ucum#{score} "score"
* valueQuantity.value = 31
* component[item1].code = $sp#wemwbs-item-1 "WEMWBS item 1"
* component[item1].valueInteger = 2
* component[item2].code = $sp#wemwbs-item-2 "WEMWBS item 2"
* component[item2].valueInteger = 2
* component[item3].code = $sp#wemwbs-item-3 "WEMWBS item 3"
* component[item3].valueInteger = 2
* component[item4].code = $sp#wemwbs-item-4 "WEMWBS item 4"
* component[item4].valueInteger = 3
* component[item5].code = $sp#wemwbs-item-5 "WEMWBS item 5"
* component[item5].valueInteger = 2
* component[item6].code = $sp#wemwbs-item-6 "WEMWBS item 6"
* component[item6].valueInteger = 2
* component[item7].code = $sp#wemwbs-item-7 "WEMWBS item 7"
* component[item7].valueInteger = 2
* component[item8].code = $sp#wemwbs-item-8 "WEMWBS item 8"
* component[item8].valueInteger = 3
* component[item9].code = $sp#wemwbs-item-9 "WEMWBS item 9"
* component[item9].valueInteger = 2
* component[item10].code = $sp#wemwbs-item-10 "WEMWBS item 10"
* component[item10].valueInteger = 2
* component[item11].code = $sp#wemwbs-item-11 "WEMWBS item 11"
* component[item11].valueInteger = 2
* component[item12].code = $sp#wemwbs-item-12 "WEMWBS item 12"
* component[item12].valueInteger = 2
* component[item13].code = $sp#wemwbs-item-13 "WEMWBS item 13"
* component[item13].valueInteger = 3
* component[item14].code = $sp#wemwbs-item-14 "WEMWBS item 14"
* component[item14].valueInteger = 2

Instance: sp-ucla3-example
InstanceOf: SPUCLA3
Title: "Example UCLA-3 loneliness score"
Description: "A UCLA-3 total of 8 with its three item values."
Usage: #example
* insert SPExampleObservationCommon(note-3001/ucla3)
* category[survey] = $obs-category#survey "Survey"
* code = $sp#ucla3-score "UCLA 3-item loneliness scale score"
* valueQuantity = $ucum#{score} "score"
* valueQuantity.value = 8
* component[item1].code = $sp#ucla3-item-1 "UCLA-3 item 1"
* component[item1].valueInteger = 3
* component[item2].code = $sp#ucla3-item-2 "UCLA-3 item 2"
* component[item2].valueInteger = 2
* component[item3].code = $sp#ucla3-item-3 "UCLA-3 item 3"
* component[item3].valueInteger = 3

Instance: sp-eq5d-vas-example
InstanceOf: SPEQ5DVAS
Title: "Example EQ-5D visual analogue score"
Description: "The person rates their health today at 45 out of 100."
Usage: #example
* insert SPExampleObservationCommon(note-3001/eq5d-vas)
* category[survey] = $obs-category#survey "Survey"
* code = $sct#736535009 "EuroQol visual analogue score"
* valueQuantity = $ucum#{score} "score"
* valueQuantity.value = 45

Instance: sp-episode-summary-example
InstanceOf: SPEpisodeSummary
Title: "Example episode summary"
Description: "The closing summary for the GP when the person has joined a community group."
Usage: #example
* insert SPExampleObservationCommon(referral-1001/closure)
* category[socialHistory] = $obs-category#social-history "Social History"
* code = $sp#episode-summary "Social prescribing episode summary"
* valueString = "Joined the Tuesday walking group and has been three times. No further support needed."
* component[closureReason].code = $sp#closure-reason "Reason the episode ended"
* component[closureReason].valueCodeableConcept = https://sp-fhir-adapter.org/fhir/CodeSystem/sp-closure-reason#connected-to-community "Connected to community support"
* component[reReferralOffered].code = $sp#re-referral-offered "Re-referral offered"
* component[reReferralOffered].valueBoolean = true
* component[followUp].code = $sp#follow-up-planned "Follow-up planned"
* component[followUp].valueString = "Link worker to call in three months."

Instance: sp-connection-example
InstanceOf: SPConnection
Title: "Example connection to a community organisation"
Description: "An onward referral to a debt advice service, based on the social prescribing referral."
Usage: #example
* extension[connectionStatus].valueCoding = https://sp-fhir-adapter.org/fhir/CodeSystem/sp-connection-status#referred "Referred"
* insert SPExampleSourceRecord(connection-8001)
* basedOn.reference = "ServiceRequest?identifier=https://sp-fhir-adapter.org/fhir/Id/source-record/example-system|referral-1001"
* status = #active
* intent = #order
* code = $sp#community-referral "Referral to a community organisation"
* orderDetail.text = "Debt advice appointment"
* insert SPExamplePatient(subject)
* authoredOn = "2026-01-20T11:00:00Z"
* insert SPExampleLinkWorker(requester)
* performer.type = "Organization"
* performer.display = "Teesside Debt Advice"

Instance: sp-support-plan-example
InstanceOf: SPSupportPlan
Title: "Example personalised care and support plan"
Description: "A plan addressing social isolation with one goal and one action towards it."
Usage: #example
* insert SPExampleSourceRecord(plan-7001)
* status = #active
* intent = #plan
* category[supportPlan] = $sp#personalised-care-support-plan "Personalised care and support plan"
* title = "Personalised care and support plan"
* insert SPExamplePatient(subject)
* period.start = "2026-01-19T10:00:00Z"
* period.end = "2026-04-30"
* created = "2026-01-19T10:00:00Z"
* insert SPExampleLinkWorker(author)
* supportingInfo[0].reference = "ServiceRequest?identifier=https://sp-fhir-adapter.org/fhir/Id/source-record/example-system|referral-1001"
* supportingInfo[0].type = "ServiceRequest"
* supportingInfo[1].reference = "Observation?identifier=https://sp-fhir-adapter.org/fhir/Id/source-record/example-system|plan-7001/need/isolation"
* supportingInfo[1].type = "Observation"
* goal.reference = "Goal?identifier=https://sp-fhir-adapter.org/fhir/Id/source-record/example-system|goal-2001"
* goal.type = "Goal"
* activity.detail.extension[confidence].valueInteger = 6
* activity.detail.status = #in-progress
* activity.detail.description = "Go to the Tuesday walking group with a neighbour"
* activity.detail.goal.reference = "Goal?identifier=https://sp-fhir-adapter.org/fhir/Id/source-record/example-system|goal-2001"
* activity.detail.goal.type = "Goal"
* activity.detail.scheduledString = "Review by 2026-02-16"

Instance: sp-provenance-example
InstanceOf: SPProvenance
Title: "Example delivery provenance"
Description: "The delivery of version 3 of referral-1001: authored by the link worker on behalf of their organisation, assembled and sent by the adapter."
Usage: #example
* target.reference = "ServiceRequest?identifier=https://sp-fhir-adapter.org/fhir/Id/source-record/example-system|referral-1001"
* target.type = "ServiceRequest"
* occurredDateTime = "2026-01-05T10:30:00Z"
* recorded = "2026-01-05T10:31:02Z"
* activity = http://terminology.hl7.org/CodeSystem/v3-DataOperation#CREATE "create"
* agent[author].type = http://terminology.hl7.org/CodeSystem/provenance-participant-type#author "Author"
* insert SPExampleLinkWorker(agent[author].who)
* agent[author].onBehalfOf.identifier.system = "https://fhir.nhs.uk/Id/ods-organization-code"
* agent[author].onBehalfOf.identifier.value = "RX9LW"
* agent[author].onBehalfOf.type = "Organization"
* agent[author].onBehalfOf.display = "Teesside Social Prescribing Service"
* agent[assembler].type = http://terminology.hl7.org/CodeSystem/provenance-participant-type#assembler "Assembler"
* agent[assembler].who.type = "Device"
* agent[assembler].who.display = "sp-fhir-adapter"
* entity.role = #source
* entity.what.identifier.system = "https://sp-fhir-adapter.org/fhir/Id/source-record/example-system"
* entity.what.identifier.value = "referral-1001"
* entity.what.display = "referral referral-1001 version 3"
