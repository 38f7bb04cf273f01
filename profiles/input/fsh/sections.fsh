// The sections of the social prescribing record beyond referral, contacts and plan (PRSB Social Prescribing
// Standard): risks (§17), safeguarding concerns (§5), consent to share (§6), requests to the GP practice, who may
// see a record, readiness as motivation and capacity, the type of a barrier, and the kind of support an action is.

Alias: $sections = https://sp-fhir-adapter.org/fhir/CodeSystem/sp-record-sections
Alias: $alert-category = https://sp-fhir-adapter.org/fhir/CodeSystem/sp-alert-category
Alias: $flag-category = http://terminology.hl7.org/CodeSystem/flag-category
Alias: $flag-detail = http://hl7.org/fhir/StructureDefinition/flag-detail
Alias: $consentscope = http://terminology.hl7.org/CodeSystem/consentscope
Alias: $loinc = http://loinc.org
Alias: $v3-ParticipationType = http://terminology.hl7.org/CodeSystem/v3-ParticipationType
Alias: $v3-ActReason = http://terminology.hl7.org/CodeSystem/v3-ActReason
Alias: $v3-ActCode = http://terminology.hl7.org/CodeSystem/v3-ActCode
Alias: $v3-Confidentiality = http://terminology.hl7.org/CodeSystem/v3-Confidentiality

CodeSystem: SPRecordSections
Id: sp-record-sections
Title: "Social prescribing record sections"
Description: "Concepts of the record's sections (risks, safeguarding, readiness, barriers, requests to the GP) defined by the sp-fhir-adapter project where no verified national code exists."
* insert SPMetadata
* ^caseSensitive = true
* ^content = #complete
* #risk-assessment "Risk assessment" "The link worker's assessment of risks to the person, to the link worker or to others."
* #no-known-risks "No known risks" "The link worker assessed and found no known risk."
* #risks-identified "Risks identified" "The link worker assessed and found at least one risk."
* #risk-to-person "Risk to the person"
* #risk-to-link-worker "Risk to the link worker"
* #risk-to-others "Risk to others"
* #safeguarding-concern "Safeguarding concern raised"
* #safeguarding-referred-to "Safeguarding concern referred to"
* #safeguarding-referred-at "Safeguarding concern referral date"
* #safeguarding-status "Safeguarding concern status"
* #readiness-motivation "Motivation to act"
* #readiness-capacity "Capacity to act"
* #barrier-type "Type of barrier"
* #gp-request "Request to the GP practice"

ValueSet: SPRiskAssessmentResultVS
Id: sp-risk-assessment-result
Title: "Risk assessment result"
Description: "What a risk assessment found: no known risks, or risks (listed as its components)."
* insert SPMetadata
* $sections#no-known-risks "No known risks"
* $sections#risks-identified "Risks identified"

CodeSystem: SPAlertCategory
Id: sp-alert-category
Title: "Alert category"
Description: "What an alert in the GP record is about: a risk, by whom it threatens, or a safeguarding concern."
* insert SPMetadata
* ^caseSensitive = true
* ^content = #complete
* #risk-to-person "Risk to the person"
* #risk-to-link-worker "Risk to the link worker"
* #risk-to-others "Risk to others"
* #safeguarding "Safeguarding concern"

ValueSet: SPAlertCategoryVS
Id: sp-alert-category
Title: "Alert category"
Description: "The categories of an alert: FHIR's safety flag category, and what the alert is about."
* insert SPMetadata
* $flag-category#safety "Safety"
* include codes from system SPAlertCategory

CodeSystem: SPSafeguardingStatus
Id: sp-safeguarding-status
Title: "Safeguarding concern status"
Description: "Whether a safeguarding concern is still being dealt with."
* insert SPMetadata
* ^caseSensitive = true
* ^content = #complete
* #open "Open" "Referred and not yet concluded."
* #closed "Closed" "Concluded by those it was referred to."

ValueSet: SPSafeguardingStatusVS
Id: sp-safeguarding-status
Title: "Safeguarding concern status"
Description: "All safeguarding concern statuses."
* insert SPMetadata
* include codes from system SPSafeguardingStatus

CodeSystem: SPWithholdReason
Id: sp-withhold-reason
Title: "Reason withheld from online access"
Description: "Why a record is kept out of the person's online record access (for example in the NHS App). It travels beside the HL7 refrain policy NOPAT in meta.security."
* insert SPMetadata
* ^caseSensitive = true
* ^content = #complete
* #third-party-information "Contains information about a third party"
* #risk-of-serious-harm "Disclosure could cause serious harm"
* #safeguarding "Safeguarding information"

ValueSet: SPWithholdReasonVS
Id: sp-withhold-reason
Title: "Reason withheld from online access"
Description: "All reasons a record is withheld from online access."
* insert SPMetadata
* include codes from system SPWithholdReason

CodeSystem: SPReadinessLevel
Id: sp-readiness-level
Title: "Readiness level"
Description: "How strong the person's motivation, or their capacity, to act is, as the link worker judged it."
* insert SPMetadata
* ^caseSensitive = true
* ^content = #complete
* #low "Low"
* #medium "Medium"
* #high "High"

ValueSet: SPReadinessLevelVS
Id: sp-readiness-level
Title: "Readiness level"
Description: "All readiness levels."
* insert SPMetadata
* include codes from system SPReadinessLevel

CodeSystem: SPBarrierType
Id: sp-barrier-type
Title: "Type of barrier"
Description: "Whether a barrier lies in the person's circumstances (structural: housing, transport, caring, employment, cost, services they cannot reach) or in themselves (personal: health, confidence)."
* insert SPMetadata
* ^caseSensitive = true
* ^content = #complete
* #structural "Structural barrier"
* #personal "Personal barrier"

ValueSet: SPBarrierTypeVS
Id: sp-barrier-type
Title: "Type of barrier"
Description: "All barrier types."
* insert SPMetadata
* include codes from system SPBarrierType

CodeSystem: SPSupportActivity
Id: sp-support-activity
Title: "Social prescribing support activity"
Description: "The kind of support an action in the care and support plan gives. Connecting with is the link worker's own support, the person's anchor point, which for some people is the main support rather than a step towards another service."
* insert SPMetadata
* ^caseSensitive = true
* ^content = #complete
* #connecting-with "Connecting with: ongoing support from the link worker"
* #community-connection "Connection to community support"
* #signposting "Signposting"
* #self-management "Self-management"
* #other "Other support"

ValueSet: SPSupportActivityVS
Id: sp-support-activity
Title: "Social prescribing support activity"
Description: "All support activity codes."
* insert SPMetadata
* include codes from system SPSupportActivity

ValueSet: SPConsentStatusVS
Id: sp-consent-status
Title: "Consent to share status"
Description: "A consent to share is active while in force and inactive once withdrawn."
* insert SPMetadata
* http://hl7.org/fhir/consent-state-codes#active "Active"
* http://hl7.org/fhir/consent-state-codes#inactive "Inactive"

Invariant: sp-risks-listed
Description: "Risks identified lists at least one risk as a component; no known risks lists none."
Expression: "(value.coding.where(code = 'risks-identified').exists() implies component.exists()) and (value.coding.where(code = 'no-known-risks').exists() implies component.empty())"
Severity: #error

Invariant: sp-withheld
Description: "Safeguarding information is withheld from online record access (meta.security NOPAT)."
Expression: "meta.security.where(system = 'http://terminology.hl7.org/CodeSystem/v3-ActCode' and code = 'NOPAT').exists()"
Severity: #error

Invariant: sp-alert-ended
Description: "An inactive alert says when it ended."
Expression: "status = 'inactive' implies period.end.exists()"
Severity: #error

RuleSet: SPReadinessLevelSlice(slice, code)
* component[{slice}].code = $sections#{code}
* component[{slice}].value[x] 1..1
* component[{slice}].value[x] only CodeableConcept
* component[{slice}].valueCodeableConcept from SPReadinessLevelVS (required)

RuleSet: SPRiskSlice(slice, code)
* component[{slice}].code = $sections#{code}
* component[{slice}].value[x] 1..1
* component[{slice}].value[x] only CodeableConcept
* component[{slice}].valueCodeableConcept.text 1..1

Profile: SPRiskAssessment
Parent: UKCore-Observation
Id: sp-risk-assessment
Title: "Risk assessment"
Description: "The risks section of the record (PRSB §17, mandatory): what the link worker found when they assessed risks, either no known risks or each active risk as a component naming whom it threatens (the person, the link worker, others). Each assessment is its own Observation, keyed on when it was made. A risk's code, where the sender gives one, is a SNOMED CT finding (PRSB binds it to descendants of 281694009 |Finding of at risk|, which cannot be checked offline)."
* insert SPMetadata
* insert SPNarrative
* insert SPObservationCommon
* obeys sp-risks-listed
* encounter only Reference(Encounter)
* code = $sections#risk-assessment "Risk assessment"
* value[x] 1..1
* value[x] only CodeableConcept
* valueCodeableConcept from SPRiskAssessmentResultVS (required)
* component ^slicing.rules = #closed
* component contains riskToPerson 0..* and riskToLinkWorker 0..* and riskToOthers 0..*
* insert SPRiskSlice(riskToPerson, risk-to-person)
* insert SPRiskSlice(riskToLinkWorker, risk-to-link-worker)
* insert SPRiskSlice(riskToOthers, risk-to-others)
// Elements the adapter fills: receivers must be able to store and show them.
* basedOn MS
* code MS
* component MS
* effective[x] MS
* encounter MS
* extension MS
* identifier MS
* note MS
* performer MS
* status MS
* subject MS
* value[x] MS

Profile: SPAlert
Parent: UKCore-Flag
Id: sp-alert
Title: "Social prescribing alert"
Description: "An alert in the GP record for what anyone about to see the person must know: a risk to the person, to the link worker or to others (with how to stay safe), or a safeguarding concern. Its detail (core extension flag-detail) is the risk assessment or safeguarding Observation. A resolved risk or a closed concern leaves the alert inactive with an end date."
* insert SPMetadata
* insert SPNarrative
* obeys sp-alert-ended
* extension contains $flag-detail named detail 1..1
* extension[detail].url = "http://hl7.org/fhir/StructureDefinition/flag-detail" (exactly)
* extension[detail].value[x] only Reference(Observation)
* identifier 1..*
* status 1..1
* category 2..*
* category from SPAlertCategoryVS (required)
* category ^slicing.discriminator.type = #pattern
* category ^slicing.discriminator.path = "$this"
* category ^slicing.rules = #open
* category ^slicing.description = "Slice on the category code."
* category contains safety 1..1
* category[safety] = $flag-category#safety
* code.text 1..1
* subject only Reference(Patient)
* period 1..1
* period.start 1..1
* encounter only Reference(Encounter)
* author 1..1
* author only Reference(Practitioner or PractitionerRole)
// Elements the adapter fills: receivers must be able to store and show them.
* author MS
* category MS
* code MS
* encounter MS
* extension MS
* identifier MS
* period MS
* status MS
* subject MS

Profile: SPSafeguardingConcern
Parent: UKCore-Observation
Id: sp-safeguarding-concern
Title: "Safeguarding concern"
Description: "A safeguarding concern the link worker raised (PRSB §5): the concern (a SNOMED CT code where given, from the PRSB safeguarding concerns refset 999002381000000108, which cannot be checked offline, and words), who it was referred to and when, and whether it is still open. Always labelled restricted and withheld from online record access."
* insert SPMetadata
* insert SPNarrative
* insert SPObservationCommon
* obeys sp-withheld
* encounter only Reference(Encounter)
* code = $sections#safeguarding-concern "Safeguarding concern raised"
* value[x] 1..1
* value[x] only CodeableConcept
* valueCodeableConcept.text 1..1
* component ^slicing.rules = #closed
* component contains referredTo 1..1 and referredAt 1..1 and concernStatus 1..1
* component[referredTo].code = $sections#safeguarding-referred-to
* component[referredTo].value[x] 1..1
* component[referredTo].value[x] only string
* component[referredAt].code = $sections#safeguarding-referred-at
* component[referredAt].value[x] 1..1
* component[referredAt].value[x] only dateTime
* component[concernStatus].code = $sections#safeguarding-status
* component[concernStatus].value[x] 1..1
* component[concernStatus].value[x] only CodeableConcept
* component[concernStatus].valueCodeableConcept from SPSafeguardingStatusVS (required)
// Elements the adapter fills: receivers must be able to store and show them.
* basedOn MS
* code MS
* component MS
* effective[x] MS
* encounter MS
* extension MS
* identifier MS
* note MS
* performer MS
* status MS
* subject MS
* value[x] MS

Profile: SPConsent
Parent: UKCore-Consent
Id: sp-consent
Title: "Consent to share"
Description: "The person's consent to share social prescribing information (PRSB §6): a privacy consent, dated, permitting the GP practice (provision.actor, role information recipient) to receive it for their care, with a nested provision for each other recipient they agreed or refused to share with. A withdrawal makes it inactive, the permission ending on the day it was withdrawn."
* insert SPMetadata
* insert SPNarrative
* identifier 1..*
* status from SPConsentStatusVS (required)
* scope = $consentscope#patient-privacy
* category ^slicing.discriminator.type = #pattern
* category ^slicing.discriminator.path = "$this"
* category ^slicing.rules = #open
* category ^slicing.description = "Slice on the category code."
* category contains releaseOfInformation 1..1
* category[releaseOfInformation] = $loinc#64292-6
* patient 1..1
* patient only Reference(Patient)
* dateTime 1..1
* performer 1..*
* performer only Reference(Patient)
* organization 1..*
* organization only Reference(Organization)
* policyRule 1..1
* provision 1..1
* provision.type 1..1
* provision.period 1..1
* provision.actor 1..*
* provision.actor.role = $v3-ParticipationType#IRCP
* provision.actor.reference only Reference(Organization)
* provision.actor.reference.identifier 1..1
* provision.purpose 1..*
* provision.provision.type 1..1
* provision.provision.actor 1..*
// Elements the adapter fills: receivers must be able to store and show them.
* category MS
* dateTime MS
* identifier MS
* organization MS
* patient MS
* performer MS
* policyRule MS
* provision MS
* scope MS
* source[x] MS
* status MS

Profile: SPGPRequest
Parent: UKCore-Task
Id: sp-gp-request
Title: "Request to the GP practice"
Description: "Something the link worker asks the person's GP practice to do or consider (for example a carer's assessment): a Task owned by the practice (by ODS code), status requested and intent proposal, for the patient, focused on the social prescribing referral, with the reason in words."
* insert SPMetadata
* insert SPNarrative
* identifier 1..*
* status = #requested
* intent = #proposal
* priority 1..1
* code 1..1
* code.text 1..1
* description 1..1
* focus only Reference(ServiceRequest)
* for 1..1
* for only Reference(Patient)
* encounter only Reference(Encounter)
* authoredOn 1..1
* requester 1..1
* requester only Reference(Practitioner or PractitionerRole)
* owner 1..1
* owner only Reference(Organization)
* owner.identifier 1..1
* owner.identifier.system = "https://fhir.nhs.uk/Id/ods-organization-code"
* reasonCode 1..1
* reasonCode.text 1..1
// Elements the adapter fills: receivers must be able to store and show them.
* authoredOn MS
* code MS
* description MS
* encounter MS
* focus MS
* for MS
* identifier MS
* intent MS
* lastModified MS
* owner MS
* priority MS
* reasonCode MS
* requester MS
* status MS

Instance: sp-risk-assessment-example
InstanceOf: SPRiskAssessment
Title: "Example risk assessment"
Description: "At referral the link worker found one risk to themselves: a dog at the home."
Usage: #example
* insert SPExampleObservationCommon(referral-1001/risks/2026-01-05T10:30:00Z)
* code = $sections#risk-assessment "Risk assessment"
* valueCodeableConcept = $sections#risks-identified "Risks identified"
* component[riskToLinkWorker].code = $sections#risk-to-link-worker "Risk to the link worker"
* component[riskToLinkWorker].valueCodeableConcept.text = "Large dog at the home, not always shut away"
* note.text = "Large dog at the home, not always shut away: ask for the dog to be shut in before visiting."

Instance: sp-alert-example
InstanceOf: SPAlert
Title: "Example alert"
Description: "The alert for the risk to the link worker found in the example risk assessment."
Usage: #example
* extension[detail].valueReference.reference = "Observation?identifier=https://sp-fhir-adapter.org/fhir/Id/source-record/example-system|referral-1001/risks/2026-01-05T10:30:00Z"
* identifier.system = "https://sp-fhir-adapter.org/fhir/Id/source-record/example-system"
* identifier.value = "referral-1001/risk/dog"
* status = #active
* category[safety] = $flag-category#safety "Safety"
* category[1] = $alert-category#risk-to-link-worker "Risk to the link worker"
* code.text = "Large dog at the home, not always shut away. Ask for the dog to be shut in before visiting."
* insert SPExamplePatient(subject)
* period.start = "2026-01-05T10:30:00Z"
* insert SPExampleLinkWorker(author)

Instance: sp-safeguarding-concern-example
InstanceOf: SPSafeguardingConcern
Title: "Example safeguarding concern"
Description: "A concern about financial abuse, referred to the local authority's adult safeguarding team."
Usage: #example
* meta.security[0] = $v3-Confidentiality#R "restricted"
* meta.security[1] = $v3-ActCode#NOPAT "no disclosure to patient, family or caregivers without attending provider's authorization"
* meta.security[2] = https://sp-fhir-adapter.org/fhir/CodeSystem/sp-withhold-reason#safeguarding "Safeguarding information"
* insert SPExampleObservationCommon(note-3001/safeguarding/financial)
* code = $sections#safeguarding-concern "Safeguarding concern raised"
* valueCodeableConcept.text = "Possible financial abuse by a relative"
* component[referredTo].code = $sections#safeguarding-referred-to "Safeguarding concern referred to"
* component[referredTo].valueString = "Adult Safeguarding Team, Teesside Council"
* component[referredAt].code = $sections#safeguarding-referred-at "Safeguarding concern referral date"
* component[referredAt].valueDateTime = "2026-01-12T16:00:00Z"
* component[concernStatus].code = $sections#safeguarding-status "Safeguarding concern status"
* component[concernStatus].valueCodeableConcept = https://sp-fhir-adapter.org/fhir/CodeSystem/sp-safeguarding-status#open "Open"

Instance: sp-consent-example
InstanceOf: SPConsent
Title: "Example consent to share"
Description: "The person agreed to share their social prescribing record with their GP practice, and with the community organisations they are connected to."
Usage: #example
* identifier.system = "https://sp-fhir-adapter.org/fhir/Id/source-record/example-system"
* identifier.value = "referral-1001/consent"
* status = #active
* scope = $consentscope#patient-privacy "Privacy Consent"
* category[releaseOfInformation] = $loinc#64292-6 "Release of information consent"
* insert SPExamplePatient(patient)
* dateTime = "2026-01-05T10:30:00Z"
* insert SPExamplePatient(performer)
* organization.identifier.system = "https://fhir.nhs.uk/Id/ods-organization-code"
* organization.identifier.value = "RX9LW"
* organization.type = "Organization"
* policyRule.text = "Sharing of social prescribing records with the GP practice for the person's care"
* provision.type = #permit
* provision.period.start = "2026-01-05T10:30:00Z"
* provision.actor.role = $v3-ParticipationType#IRCP "information recipient"
* provision.actor.reference.identifier.system = "https://fhir.nhs.uk/Id/ods-organization-code"
* provision.actor.reference.identifier.value = "A81001"
* provision.actor.reference.type = "Organization"
* provision.purpose = $v3-ActReason#TREAT "treatment"
* provision.provision.type = #permit
* provision.provision.actor.role = $v3-ParticipationType#IRCP "information recipient"
* provision.provision.actor.reference.display = "Community organisations the person is connected to"

Instance: sp-gp-request-example
InstanceOf: SPGPRequest
Title: "Example request to the GP practice"
Description: "The link worker asks the GP to consider a carer's assessment."
Usage: #example
* identifier.system = "https://sp-fhir-adapter.org/fhir/Id/source-record/example-system"
* identifier.value = "referral-1001/gp-request/carers-assessment"
* status = #requested
* intent = #proposal
* priority = #routine
* code.text = "Consider a carer's assessment"
* description = "Consider a carer's assessment"
* focus.reference = "ServiceRequest?identifier=https://sp-fhir-adapter.org/fhir/Id/source-record/example-system|referral-1001"
* insert SPExamplePatient(for)
* authoredOn = "2026-01-30T10:00:00Z"
* insert SPExampleLinkWorker(requester)
* owner.identifier.system = "https://fhir.nhs.uk/Id/ods-organization-code"
* owner.identifier.value = "A81001"
* owner.type = "Organization"
* reasonCode.text = "Cares for her husband full time and has had no break for two years."
