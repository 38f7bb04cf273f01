// Example observations; each must validate against its profile.

RuleSet: SPExampleObservationCommon(recordId)
* extension[sourceRecordVersion].valueInteger = 1
* identifier.system = "https://sp-fhir-adapter.org/fhir/Id/source-record/example-system"
* identifier.value = "{recordId}"
* status = #final
* subject.identifier.system = $nhs-number
* subject.identifier.value = "9434765919"
* subject.type = "Patient"
* effectiveDateTime = "2026-01-12T14:00:00Z"
* performer.identifier.system = "https://fhir.nhs.uk/Id/sds-user-id"
* performer.identifier.value = "555123456789"
* performer.type = "Practitioner"
* basedOn.reference = "ServiceRequest?identifier=https://sp-fhir-adapter.org/fhir/Id/source-record/example-system|referral-1001"

Instance: sp-contact-note-example
InstanceOf: SPContactNote
Title: "Example link worker contact note"
Description: "A 30-minute telephone contact."
Usage: #example
* insert SPExampleObservationCommon(note-3001)
* category[socialHistory] = $obs-category#social-history "Social History"
* code = $sp#link-worker-contact-note "Social prescribing link worker contact note"
* valueString = "Talked through local walking groups; agreed to try the Tuesday group."
* component[contactMode].code = $sp#contact-mode "Contact mode"
* component[contactMode].valueCodeableConcept = https://sp-fhir-adapter.org/fhir/CodeSystem/sp-contact-mode#telephone "Telephone"
* component[contactDuration].code = $sp#contact-duration "Contact duration"
* component[contactDuration].valueQuantity = $ucum#min "min"
* component[contactDuration].valueQuantity.value = 30

Instance: sp-ons4-example
InstanceOf: SPONS4
Title: "Example ONS4 answers"
Description: "ONS4 answers recorded at the first contact."
Usage: #example
* insert SPExampleObservationCommon(ons4-4001)
* category[survey] = $obs-category#survey "Survey"
* code = $sp#ons4 "ONS4 personal wellbeing measures"
* component[lifeSatisfaction].code = $sp#ons4-life-satisfaction "ONS4 life satisfaction"
* component[lifeSatisfaction].valueInteger = 4
* component[worthwhile].code = $sp#ons4-worthwhile "ONS4 things done in life are worthwhile"
* component[worthwhile].valueInteger = 5
* component[happiness].code = $sp#ons4-happiness "ONS4 happiness yesterday"
* component[happiness].valueInteger = 3
* component[anxiety].code = $sp#ons4-anxiety "ONS4 anxiety yesterday"
* component[anxiety].valueInteger = 7

Instance: sp-swemwbs-example
InstanceOf: SPSWEMWBS
Title: "Example SWEMWBS score"
Description: "A SWEMWBS raw total of 21 with its seven item values."
Usage: #example
* insert SPExampleObservationCommon(swemwbs-5001)
* category[survey] = $obs-category#survey "Survey"
* code = $sct#718466001 "Short Warwick-Edinburgh Mental Well-being Scale score"
* valueQuantity = $ucum#{score} "{score}"
* valueQuantity.value = 21
* component[item1].code = $sp#swemwbs-item-1 "SWEMWBS item 1"
* component[item1].valueInteger = 3
* component[item2].code = $sp#swemwbs-item-2 "SWEMWBS item 2"
* component[item2].valueInteger = 3
* component[item3].code = $sp#swemwbs-item-3 "SWEMWBS item 3"
* component[item3].valueInteger = 2
* component[item4].code = $sp#swemwbs-item-4 "SWEMWBS item 4"
* component[item4].valueInteger = 4
* component[item5].code = $sp#swemwbs-item-5 "SWEMWBS item 5"
* component[item5].valueInteger = 3
* component[item6].code = $sp#swemwbs-item-6 "SWEMWBS item 6"
* component[item6].valueInteger = 3
* component[item7].code = $sp#swemwbs-item-7 "SWEMWBS item 7"
* component[item7].valueInteger = 3
