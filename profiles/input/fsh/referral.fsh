// A referral to the social prescribing service, as written by the referral mapper.

Profile: SPReferral
Parent: UKCore-ServiceRequest
Id: sp-referral
Title: "Social prescribing referral"
Description: "A referral to a social prescribing link worker, carried into the GP record."
* insert SPMetadata
* insert SPNarrative
* extension contains
    SourceRecordVersion named sourceRecordVersion 1..1 and
    $request-statusReason named statusReason 0..1
// Who referred the person is UK Core's own sourceOfServiceRequest extension, inherited from UKCore-ServiceRequest as
// it is (the adapter always writes it; the slice is not narrowed here because validators that match extension
// slices by a fixed url would need its children spelled out, which the second snapshot generator does not do for
// an inherited slice).
* insert SPExtensionSlice(sourceRecordVersion, source-record-version)
* extension[statusReason].url = "http://hl7.org/fhir/StructureDefinition/request-statusReason" (exactly)
* identifier 1..*
* status 1..1
* status from SPReferralRequestStatusVS (required)
* intent = #order
* code 1..1
* code = $sp#social-prescribing-referral "Referral to a social prescribing link worker"
* subject only Reference(Patient)
* authoredOn 1..1
* requester 0..1
* requester only Reference(Practitioner or PractitionerRole or Organization or Patient or RelatedPerson)
* performer 0..*
* performer only Reference(Practitioner or PractitionerRole or Organization or HealthcareService or CareTeam)
* reasonCode 0..*
* reasonCode from SPPresentingNeeds (extensible)
* priority 0..1
// A re-referral names the earlier episode it follows (a new request, so not `replaces`).
* supportingInfo only Reference(EpisodeOfCare)
* note 0..*
// Elements the adapter fills: receivers must be able to store and show them.
* authoredOn MS
* code MS
* extension MS
* identifier MS
* intent MS
* note MS
* occurrence[x] MS
* performer MS
* priority MS
* reasonCode MS
* requester MS
* status MS
* subject MS
* supportingInfo MS

Instance: sp-referral-example
InstanceOf: SPReferral
Title: "Example social prescribing referral"
Description: "A GP referral for social isolation and a financial problem."
Usage: #example
* extension[sourceOfServiceRequest].valueCodeableConcept.coding[0] = http://snomed.info/sct#108161000000109 "Referred by general practitioner"
* extension[sourceOfServiceRequest].valueCodeableConcept.coding[1] = https://sp-fhir-adapter.org/fhir/CodeSystem/sp-referral-source#gp "GP practice"
* extension[sourceOfServiceRequest].valueCodeableConcept.text = "GP practice"
* extension[sourceRecordVersion].valueInteger = 3
* identifier.system = "https://sp-fhir-adapter.org/fhir/Id/source-record/example-system"
* identifier.value = "referral-1001"
* status = #active
* intent = #order
* code = $sp#social-prescribing-referral "Referral to a social prescribing link worker"
* subject.reference = "Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9434765919"
* subject.identifier.system = $nhs-number
* subject.identifier.value = "9434765919"
* authoredOn = "2026-01-05T10:30:00Z"
* requester.identifier.system = "https://fhir.nhs.uk/Id/ods-organization-code"
* requester.identifier.value = "A12345"
* requester.type = "Organization"
* reasonCode[0] = $sct#422650009 "Social isolation"
* reasonCode[1] = $sct#160932005 "Financial problem"
* reasonCode[2].text = "Struggling since moving house"
* priority = #routine
* note.text = "Prefers telephone contact in the afternoons."

ValueSet: SPReferralRequestStatusVS
Id: sp-referral-request-status
Title: "Referral request status"
Description: "The statuses the requester's ServiceRequest takes: open, fulfilled, no longer to be fulfilled, or retracted as sent in error. The link-worker service's own stage is the referral Task's status and businessStatus."
* insert SPMetadata
* http://hl7.org/fhir/request-status#active "Active"
* http://hl7.org/fhir/request-status#completed "Completed"
* http://hl7.org/fhir/request-status#revoked "Revoked"
* http://hl7.org/fhir/request-status#entered-in-error "Entered in Error"
