// Observations written from link worker records: contact notes and wellbeing measures (ONS4, SWEMWBS).

RuleSet: SPObservationCommon
* extension contains
    SourceRecordVersion named sourceRecordVersion 1..1 and
    $workflow-episodeOfCare named episodeOfCare 0..1
* insert SPExtensionSlice(sourceRecordVersion, source-record-version)
* extension[episodeOfCare].url = "http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare" (exactly)
* extension[episodeOfCare].value[x] only Reference(EpisodeOfCare)
* identifier 1..*
* status 1..1
* category ^slicing.discriminator.type = #pattern
* category ^slicing.discriminator.path = "$this"
* category ^slicing.rules = #open
* category ^slicing.description = "Slice on the category code."
* code 1..1
* subject 1..1
* subject only Reference(Patient)
* effective[x] 1..1
* effective[x] only dateTime
* performer 1..*
// The person is the performer of their own questionnaire scores; the link worker of everything else.
* performer only Reference(Practitioner or PractitionerRole or Organization or Patient)
* basedOn 0..*
* basedOn only Reference(ServiceRequest)
* encounter only Reference(Encounter)
* component ^slicing.discriminator.type = #pattern
* component ^slicing.discriminator.path = "code"
* component ^slicing.description = "Slice on the component code."

Invariant: sp-score-0-10
Description: "An ONS4 item is a whole number from 0 to 10."
Expression: "$this >= 0 and $this <= 10"
Severity: #error

Invariant: sp-score-1-5
Description: "A SWEMWBS item is a whole number from 1 to 5."
Expression: "$this >= 1 and $this <= 5"
Severity: #error

Invariant: sp-swemwbs-total-range
Description: "The SWEMWBS raw total is a whole number from 7 to 35."
Expression: "value >= 7 and value <= 35 and value.toString().matches('^[0-9]+$')"
Severity: #error

RuleSet: SPItemSlice(slice, code, invariant)
* component[{slice}].code = $sp#{code}
* component[{slice}].value[x] 1..1
* component[{slice}].value[x] only integer
* component[{slice}].valueInteger obeys {invariant}

Profile: SPContactNote
Parent: UKCore-Observation
Id: sp-contact-note
Title: "Social prescribing link worker contact note"
Description: "A note of one contact between a link worker and the person."
* insert SPMetadata
* insert SPNarrative
* insert SPObservationCommon
* category contains socialHistory 1..1
* category[socialHistory] = $obs-category#social-history
* code = $sp#link-worker-contact-note "Social prescribing link worker contact note"
* value[x] 1..1
* value[x] only string
* component ^slicing.rules = #open
* component contains contactMode 0..1 and contactDuration 0..1
* component[contactMode].code = $sp#contact-mode
* component[contactMode].value[x] 1..1
* component[contactMode].value[x] only CodeableConcept
* component[contactMode].valueCodeableConcept from SPContactModeVS (required)
* component[contactDuration].code = $sp#contact-duration
* component[contactDuration].value[x] 1..1
* component[contactDuration].value[x] only Quantity
* component[contactDuration].valueQuantity.value 1..1
* component[contactDuration].valueQuantity.system 1..1
* component[contactDuration].valueQuantity.system = $ucum
* component[contactDuration].valueQuantity.code 1..1
* component[contactDuration].valueQuantity.code = #min
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

Profile: SPONS4
Parent: UKCore-Observation
Id: sp-ons4
Title: "ONS4 personal wellbeing"
Description: "The four ONS personal wellbeing answers, each 0 to 10, kept as separate components and never summed."
* insert SPMetadata
* insert SPNarrative
* insert SPObservationCommon
* category contains survey 1..1
* category[survey] = $obs-category#survey
* code = $sp#ons4 "ONS4 personal wellbeing measures"
* value[x] 0..0
* component 4..4
* component ^slicing.rules = #closed
* component contains lifeSatisfaction 1..1 and worthwhile 1..1 and happiness 1..1 and anxiety 1..1
* insert SPItemSlice(lifeSatisfaction, ons4-life-satisfaction, sp-score-0-10)
* insert SPItemSlice(worthwhile, ons4-worthwhile, sp-score-0-10)
* insert SPItemSlice(happiness, ons4-happiness, sp-score-0-10)
* insert SPItemSlice(anxiety, ons4-anxiety, sp-score-0-10)
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

Profile: SPSWEMWBS
Parent: UKCore-Observation
Id: sp-swemwbs
Title: "SWEMWBS score"
Description: "A Short Warwick-Edinburgh Mental Well-being Scale raw total with its seven item values. Item wording is licensed and is never carried."
* insert SPMetadata
* insert SPNarrative
* insert SPObservationCommon
* category contains survey 1..1
* category[survey] = $obs-category#survey
* code = $sct#718466001 "Short Warwick-Edinburgh Mental Well-being Scale score"
* value[x] 1..1
* value[x] only Quantity
* valueQuantity obeys sp-swemwbs-total-range
* valueQuantity.value 1..1
* valueQuantity.system 1..1
* valueQuantity.system = $ucum
* valueQuantity.code 1..1
* valueQuantity.code = #{score}
// Open so that further components can be added later without breaking receivers.
* component ^slicing.rules = #open
* component contains item1 0..1 and item2 0..1 and item3 0..1 and item4 0..1 and item5 0..1 and item6 0..1 and item7 0..1 and metric 0..1
* component[metric].code = $sp#swemwbs-metric-score
* component[metric].value[x] 1..1
* component[metric].value[x] only Quantity
* insert SPItemSlice(item1, swemwbs-item-1, sp-score-1-5)
* insert SPItemSlice(item2, swemwbs-item-2, sp-score-1-5)
* insert SPItemSlice(item3, swemwbs-item-3, sp-score-1-5)
* insert SPItemSlice(item4, swemwbs-item-4, sp-score-1-5)
* insert SPItemSlice(item5, swemwbs-item-5, sp-score-1-5)
* insert SPItemSlice(item6, swemwbs-item-6, sp-score-1-5)
* insert SPItemSlice(item7, swemwbs-item-7, sp-score-1-5)
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
