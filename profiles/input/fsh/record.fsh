// Profiles for the rest of the social prescribing record: contacts, readiness, barriers, needs, further outcome
// measures, the closing summary, onward connections, the care and support plan and the Provenance of a delivery.

Invariant: sp-total-wemwbs
Description: "The WEMWBS total is a whole number from 14 to 70."
Expression: "value >= 14 and value <= 70 and value.toString().matches('^[0-9]+$')"
Severity: #error

Invariant: sp-total-ucla3
Description: "The UCLA-3 total is a whole number from 3 to 9."
Expression: "value >= 3 and value <= 9 and value.toString().matches('^[0-9]+$')"
Severity: #error

Invariant: sp-total-eq5d-vas
Description: "The EQ-5D visual analogue score is a whole number from 0 to 100."
Expression: "value >= 0 and value <= 100 and value.toString().matches('^[0-9]+$')"
Severity: #error

Invariant: sp-score-1-3
Description: "A UCLA-3 item is a whole number from 1 to 3."
Expression: "$this >= 1 and $this <= 3"
Severity: #error

RuleSet: SPScoreValue(invariant)
* value[x] 1..1
* value[x] only Quantity
* valueQuantity obeys {invariant}
* valueQuantity.value 1..1
* valueQuantity.system 1..1
* valueQuantity.system = $ucum
* valueQuantity.code 1..1
* valueQuantity.code = #{score}

RuleSet: SPLinkedObservation
* encounter only Reference(Encounter)
* focus only Reference(Goal or ServiceRequest or CarePlan)

Profile: SPContact
Parent: UKCore-Encounter
Id: sp-contact
Title: "Social prescribing link worker contact"
Description: "One contact between a link worker and the person (face to face, telephone or video)."
* insert SPMetadata
* insert SPNarrative
* extension contains SourceRecordVersion named sourceRecordVersion 1..1
* insert SPExtensionSlice(sourceRecordVersion, source-record-version)
* identifier 1..*
* status from SPContactStatusVS (required)
* type 1..*
* type from SPContactModeVS (required)
* subject 1..1
* subject only Reference(Patient)
* basedOn only Reference(ServiceRequest)
* episodeOfCare only Reference(EpisodeOfCare)
* participant 1..*
* participant.type from SPContactParticipantVS (extensible)
* period 1..1
* period.start 1..1
* length 1..1
* length.system = $ucum
* length.code = #min
* serviceProvider 1..1
// Elements the adapter fills: receivers must be able to store and show them.
* basedOn MS
* class MS
* episodeOfCare MS
* extension MS
* identifier MS
* length MS
* participant MS
* period MS
* serviceProvider MS
* status MS
* subject MS
* type MS

ValueSet: SPContactStatusVS
Id: sp-contact-status
Title: "Contact status"
Description: "A contact is recorded once it has happened (finished), or retracted when it was recorded in error."
* insert SPMetadata
* http://hl7.org/fhir/encounter-status#finished "Finished"
* http://hl7.org/fhir/encounter-status#entered-in-error "Entered in Error"

Profile: SPReadinessObservation
Parent: UKCore-Observation
Id: sp-readiness
Title: "Readiness to act"
Description: "How ready the person is to act on a goal or a connection, at one moment: the stage of change as the value, and the two parts of readiness, motivation (wanting to) and capacity (being able to), as components. Each assessment is its own Observation, so readiness is recorded over time."
* insert SPMetadata
* insert SPNarrative
* insert SPObservationCommon
* insert SPLinkedObservation
* category contains socialHistory 1..1
* category[socialHistory] = $obs-category#social-history
* code = $sp#readiness-to-act "Readiness to act"
* component ^slicing.rules = #open
* component contains motivation 0..1 and capacity 0..1
* insert SPReadinessLevelSlice(motivation, readiness-motivation)
* insert SPReadinessLevelSlice(capacity, readiness-capacity)
* component MS
* value[x] 1..1
* value[x] only CodeableConcept
* valueCodeableConcept from SPReadinessVS (required)
// Elements the adapter fills: receivers must be able to store and show them.
* basedOn MS
* category MS
* code MS
* effective[x] MS
* encounter MS
* extension MS
* focus MS
* identifier MS
* performer MS
* status MS
* subject MS
* value[x] MS

Profile: SPBarrierObservation
Parent: UKCore-Observation
Id: sp-barrier
Title: "Barrier to connection"
Description: "Something that stops a connection to community support, with its type as a component: structural (in the person's circumstances) or personal (in themselves)."
* insert SPMetadata
* insert SPNarrative
* insert SPObservationCommon
* insert SPLinkedObservation
* category contains socialHistory 1..1
* category[socialHistory] = $obs-category#social-history
* code = $sp#barrier-to-connection "Barrier to connection"
* component ^slicing.rules = #open
* component contains barrierType 1..1
* component[barrierType].code = https://sp-fhir-adapter.org/fhir/CodeSystem/sp-record-sections#barrier-type
* component[barrierType].value[x] 1..1
* component[barrierType].value[x] only CodeableConcept
* component[barrierType].valueCodeableConcept from SPBarrierTypeVS (required)
* component MS
* value[x] 1..1
* value[x] only CodeableConcept
* valueCodeableConcept from SPBarrierVS (required)
// Elements the adapter fills: receivers must be able to store and show them.
* basedOn MS
* category MS
* code MS
* effective[x] MS
* encounter MS
* extension MS
* focus MS
* identifier MS
* performer MS
* status MS
* subject MS
* value[x] MS

Profile: SPNeed
Parent: UKCore-Observation
Id: sp-need
Title: "Social prescribing need or concern"
Description: "A need or concern recorded in the personalised care and support plan, coded from the presenting needs value set where possible."
* insert SPMetadata
* insert SPNarrative
* insert SPObservationCommon
* category contains socialHistory 1..1 and socialPrescribingNeed 1..1
* category[socialHistory] = $obs-category#social-history
* category[socialPrescribingNeed] = $sp#presenting-need "Social prescribing need or concern"
// The need is the code (a SNOMED CT finding where the sender coded one), so searches by the national code find it.
* code from SPPresentingNeeds (extensible)
* component ^slicing.rules = #open
* value[x] 0..0
// Elements the adapter fills: receivers must be able to store and show them.
* basedOn MS
* category MS
* code MS
* effective[x] MS
* extension MS
* identifier MS
* performer MS
* status MS
* subject MS

Profile: SPWEMWBS
Parent: UKCore-Observation
Id: sp-wemwbs
Title: "WEMWBS score"
Description: "A Warwick-Edinburgh Mental Well-being Scale total (14 to 70) with its fourteen item values. Item wording is licensed and is never carried."
* insert SPMetadata
* insert SPNarrative
* insert SPObservationCommon
* insert SPLinkedObservation
* category contains survey 1..1
* category[survey] = $obs-category#survey
* code = $sct#718426000 "Warwick-Edinburgh Mental Well-being Scale score"
* insert SPScoreValue(sp-total-wemwbs)
* component ^slicing.rules = #open
* component contains item1 0..1 and item2 0..1 and item3 0..1 and item4 0..1 and item5 0..1 and item6 0..1 and item7 0..1 and item8 0..1 and item9 0..1 and item10 0..1 and item11 0..1 and item12 0..1 and item13 0..1 and item14 0..1
* insert SPItemSlice(item1, wemwbs-item-1, sp-score-1-5)
* insert SPItemSlice(item2, wemwbs-item-2, sp-score-1-5)
* insert SPItemSlice(item3, wemwbs-item-3, sp-score-1-5)
* insert SPItemSlice(item4, wemwbs-item-4, sp-score-1-5)
* insert SPItemSlice(item5, wemwbs-item-5, sp-score-1-5)
* insert SPItemSlice(item6, wemwbs-item-6, sp-score-1-5)
* insert SPItemSlice(item7, wemwbs-item-7, sp-score-1-5)
* insert SPItemSlice(item8, wemwbs-item-8, sp-score-1-5)
* insert SPItemSlice(item9, wemwbs-item-9, sp-score-1-5)
* insert SPItemSlice(item10, wemwbs-item-10, sp-score-1-5)
* insert SPItemSlice(item11, wemwbs-item-11, sp-score-1-5)
* insert SPItemSlice(item12, wemwbs-item-12, sp-score-1-5)
* insert SPItemSlice(item13, wemwbs-item-13, sp-score-1-5)
* insert SPItemSlice(item14, wemwbs-item-14, sp-score-1-5)
// Elements the adapter fills: receivers must be able to store and show them.
* basedOn MS
* category MS
* code MS
* component MS
* effective[x] MS
* encounter MS
* extension MS
* identifier MS
* performer MS
* status MS
* subject MS
* value[x] MS

Profile: SPUCLA3
Parent: UKCore-Observation
Id: sp-ucla3
Title: "UCLA 3-item loneliness scale"
Description: "The UCLA 3-item loneliness scale total (3 to 9) with its three item values (1 to 3 each)."
* insert SPMetadata
* insert SPNarrative
* insert SPObservationCommon
* insert SPLinkedObservation
* category contains survey 1..1
* category[survey] = $obs-category#survey
* code = $sp#ucla3-score "UCLA 3-item loneliness scale score"
* insert SPScoreValue(sp-total-ucla3)
* component ^slicing.rules = #closed
* component contains item1 1..1 and item2 1..1 and item3 1..1
* insert SPItemSlice(item1, ucla3-item-1, sp-score-1-3)
* insert SPItemSlice(item2, ucla3-item-2, sp-score-1-3)
* insert SPItemSlice(item3, ucla3-item-3, sp-score-1-3)
// Elements the adapter fills: receivers must be able to store and show them.
* basedOn MS
* category MS
* code MS
* component MS
* effective[x] MS
* encounter MS
* extension MS
* identifier MS
* performer MS
* status MS
* subject MS
* value[x] MS

Profile: SPEQ5DVAS
Parent: UKCore-Observation
Id: sp-eq5d-vas
Title: "EQ-5D visual analogue score"
Description: "The person's rating of their own health today on the EQ-5D visual analogue scale, 0 (worst) to 100 (best)."
* insert SPMetadata
* insert SPNarrative
* insert SPObservationCommon
* insert SPLinkedObservation
* category contains survey 1..1
* category[survey] = $obs-category#survey
* code = $sct#736535009 "EuroQol visual analogue score"
* insert SPScoreValue(sp-total-eq5d-vas)
* component ^slicing.rules = #open
* component 0..0
// Elements the adapter fills: receivers must be able to store and show them.
* basedOn MS
* category MS
* code MS
* effective[x] MS
* encounter MS
* extension MS
* identifier MS
* performer MS
* status MS
* subject MS
* value[x] MS

Profile: SPEpisodeSummary
Parent: UKCore-Observation
Id: sp-episode-summary
Title: "Social prescribing episode summary"
Description: "The link worker's closing summary for the GP when a social prescribing episode ends: why it ended, whether re-referral was offered and any follow-up planned."
* insert SPMetadata
* insert SPNarrative
* insert SPObservationCommon
* basedOn 1..1
* category contains socialHistory 1..1
* category[socialHistory] = $obs-category#social-history
* code = $sp#episode-summary "Social prescribing episode summary"
* value[x] 1..1
* value[x] only string
* component ^slicing.rules = #closed
* component contains closureReason 1..1 and reReferralOffered 1..1 and followUp 0..1
* component[closureReason].code = $sp#closure-reason
* component[closureReason].value[x] 1..1
* component[closureReason].value[x] only CodeableConcept
* component[closureReason].valueCodeableConcept from SPClosureReasonVS (required)
* component[reReferralOffered].code = $sp#re-referral-offered
* component[reReferralOffered].value[x] 1..1
* component[reReferralOffered].value[x] only boolean
* component[followUp].code = $sp#follow-up-planned
* component[followUp].value[x] 1..1
* component[followUp].value[x] only string
// Elements the adapter fills: receivers must be able to store and show them.
* basedOn MS
* category MS
* code MS
* component MS
* effective[x] MS
* extension MS
* identifier MS
* performer MS
* status MS
* subject MS
* value[x] MS

Profile: SPConnection
Parent: UKCore-ServiceRequest
Id: sp-connection
Title: "Connection to a community organisation"
Description: "An onward referral or signposting from the link worker to a voluntary, community or social enterprise organisation, based on the social prescribing referral."
* insert SPMetadata
* insert SPNarrative
* extension contains
    ConnectionStatus named connectionStatus 1..1 and
    SourceRecordVersion named sourceRecordVersion 1..1 and
    $request-statusReason named statusReason 0..1 and
    $workflow-episodeOfCare named episodeOfCare 0..1 and
    $pertainsToGoal named pertainsToGoal 0..*
* insert SPExtensionSlice(connectionStatus, connection-status)
* insert SPExtensionSlice(sourceRecordVersion, source-record-version)
* extension[statusReason].url = "http://hl7.org/fhir/StructureDefinition/request-statusReason" (exactly)
* extension[episodeOfCare].url = "http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare" (exactly)
* extension[episodeOfCare].value[x] only Reference(EpisodeOfCare)
* extension[pertainsToGoal].url = "http://hl7.org/fhir/StructureDefinition/resource-pertainsToGoal" (exactly)
* extension[pertainsToGoal].value[x] only Reference(Goal)
// The organisation's web page travels on a contained Organization (telecom url) when the sender gave one.
* contained only Organization
* identifier 1..*
* basedOn 1..*
* basedOn only Reference(ServiceRequest)
* intent from SPConnectionIntent (required)
* code 1..1
* code from SPConnectionType (required)
* orderDetail 1..*
* subject only Reference(Patient)
* authoredOn 1..1
* requester 1..1
* requester only Reference(Practitioner or PractitionerRole)
* performer 1..1
* performer only Reference(Organization or HealthcareService)
* supportingInfo only Reference(Observation)
// Elements the adapter fills: receivers must be able to store and show them.
* authoredOn MS
* basedOn MS
* code MS
* contained MS
* extension MS
* identifier MS
* intent MS
* note MS
* orderDetail MS
* performer MS
* requester MS
* status MS
* subject MS
* supportingInfo MS

ValueSet: SPConnectionIntent
Id: sp-connection-intent
Title: "Connection intent"
Description: "A referral is an order; signposting is a proposal."
* insert SPMetadata
* http://hl7.org/fhir/request-intent#order "Order"
* http://hl7.org/fhir/request-intent#proposal "Proposal"

ValueSet: SPConnectionType
Id: sp-connection-type
Title: "Connection type"
Description: "Referral or signposting to a community organisation."
* insert SPMetadata
* $sp#community-referral "Referral to a community organisation"
* $sp#community-signposting "Signposting to a community organisation"

Profile: SPSupportPlan
Parent: UKCore-CarePlan
Id: sp-support-plan
Title: "Personalised care and support plan"
Description: "The plan agreed between the person and their link worker: the needs it addresses, the goals, and the actions towards each goal."
* insert SPMetadata
* insert SPNarrative
* extension contains
    SourceRecordVersion named sourceRecordVersion 1..1 and
    PlanReviewDate named reviewDate 0..1
* insert SPExtensionSlice(sourceRecordVersion, source-record-version)
* insert SPExtensionSlice(reviewDate, plan-review-date)
* identifier 1..*
* intent = #plan
* category 1..*
* category ^slicing.discriminator.type = #pattern
* category ^slicing.discriminator.path = "$this"
* category ^slicing.rules = #open
* category ^slicing.description = "Slice on the category code."
* category contains supportPlan 1..1
* category[supportPlan] = $sp#personalised-care-support-plan
* subject only Reference(Patient)
* created 1..1
* author 1..1
* author only Reference(Practitioner or PractitionerRole)
// The referral, the episode of care and the needs the plan addresses (R4 CarePlan has no episode element).
* supportingInfo only Reference(ServiceRequest or Observation or EpisodeOfCare)
* goal 1..*
* activity.detail 1..1
* activity.detail.extension contains ActionConfidence named confidence 0..1
* activity.detail.goal 1..*
* activity.detail.description 1..1
* activity.detail.code from SPSupportActivityVS (required)
// Elements the adapter fills: receivers must be able to store and show them.
* activity MS
* author MS
* category MS
* created MS
* extension MS
* goal MS
* identifier MS
* intent MS
* period MS
* status MS
* subject MS
* supportingInfo MS
* title MS

Profile: SPProvenance
Parent: UKCore-Provenance
Id: sp-provenance
Title: "Social prescribing delivery provenance"
Description: "One delivery of a source record to the EHR: the resources written, the link worker who authored them on behalf of their organisation, and the adapter that assembled and sent them."
* insert SPMetadata
* insert SPNarrative
* target 1..*
* occurred[x] 1..1
* occurred[x] only dateTime
* activity 1..1
* activity from SPProvenanceActivityVS (extensible)
* agent 2..*
* agent.type 1..1
* agent.type from SPProvenanceAgentTypeVS (extensible)
* agent.who only Reference(Practitioner or PractitionerRole or Organization or Device)
* agent ^slicing.discriminator.type = #pattern
* agent ^slicing.discriminator.path = "type"
* agent ^slicing.rules = #open
* agent ^slicing.description = "Slice on the agent's role in the delivery."
* agent contains author 1..1 and assembler 1..1
* agent[author].type = $provenance-participant#author
* agent[author].who only Reference(Practitioner or PractitionerRole)
* agent[author].onBehalfOf 1..1
* agent[author].onBehalfOf only Reference(Organization)
* agent[assembler].type = $provenance-participant#assembler
* agent[assembler].who only Reference(Device)
* entity 1..*
* entity.role = #source
// entity.agent is a content reference to #Provenance.agent. Validators that resolve it by path (Medplum reads the
// element last seen with that path, here the assembler slice) fail to load a profile whose agent is sliced, so a
// rule on one of its children makes SUSHI spell it out from the unconstrained base definition.
* entity.agent.type from SPProvenanceAgentTypeVS (extensible)
// Elements the adapter fills: receivers must be able to store and show them.
* activity MS
* agent MS
* entity MS
* occurred[x] MS
* recorded MS
* target MS
