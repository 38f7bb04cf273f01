// The link-worker service's progress on a referral, as a Task owned by the service (the HL7 Gravity SDOH referral
// pattern): the ServiceRequest stays the requester's, the Task says what the service has done with it.

Invariant: sp-task-reason
Description: "A rejected or cancelled referral Task says why (statusReason)."
Expression: "(status = 'rejected' or status = 'cancelled') implies statusReason.exists()"
Severity: #error

ValueSet: SPReferralTaskStatusVS
Id: sp-referral-task-status
Title: "Referral Task status"
Description: "The Task statuses the link-worker service sets as a referral moves through its stages."
* insert SPMetadata
* http://hl7.org/fhir/task-status#received "Received"
* http://hl7.org/fhir/task-status#accepted "Accepted"
* http://hl7.org/fhir/task-status#rejected "Rejected"
* http://hl7.org/fhir/task-status#in-progress "In Progress"
* http://hl7.org/fhir/task-status#completed "Completed"
* http://hl7.org/fhir/task-status#cancelled "Cancelled"
* http://hl7.org/fhir/task-status#entered-in-error "Entered in Error"

ValueSet: SPReferralTaskOutputVS
Id: sp-referral-task-output
Title: "Referral Task output"
Description: "What the link-worker service's work on a referral produced in the GP record."
* insert SPMetadata
* $sp#national-coding-entry "National social prescribing coded entry"
* $sp#episode-summary "Social prescribing episode summary"

Profile: SPReferralTask
Parent: UKCore-Task
Id: sp-referral-task
Title: "Social prescribing referral task"
Description: "The link-worker service's work on a social prescribing referral: its status and stage, why it was rejected or cancelled, who asked and who owns it, and the coded entry and closing summary it produced."
* insert SPMetadata
* insert SPNarrative
* identifier MS
* status MS
* businessStatus MS
* intent MS
* priority MS
* code MS
* focus MS
* for MS
* authoredOn MS
* lastModified MS
* requester MS
* owner MS
* output MS
* obeys sp-task-reason
* identifier 1..*
* status from SPReferralTaskStatusVS (required)
* businessStatus 1..1
* businessStatus from SPReferralStatusVS (required)
* statusReason.text 1..1
* intent = #order
* code 1..1
* code = $task-code#fulfill
* focus 1..1
* focus only Reference(ServiceRequest)
* for 1..1
* for only Reference(Patient)
* authoredOn 1..1
* requester 1..1
* requester only Reference(Organization or Patient or Practitioner or PractitionerRole)
* owner 1..1
* owner only Reference(Organization)
* output.type from SPReferralTaskOutputVS (required)
* output.value[x] only Reference(Observation)

Instance: sp-referral-task-example
InstanceOf: SPReferralTask
Title: "Example social prescribing referral task"
Description: "The person accepted the referral; the national coded entry was written."
Usage: #example
* identifier.system = "https://sp-fhir-adapter.org/fhir/Id/source-record/example-system"
* identifier.value = "referral-1001/task"
* status = #accepted
* businessStatus = https://sp-fhir-adapter.org/fhir/CodeSystem/sp-referral-status#accepted "Accepted"
* intent = #order
* code = $task-code#fulfill "Fulfill the focal request"
* focus.reference = "ServiceRequest?identifier=https://sp-fhir-adapter.org/fhir/Id/source-record/example-system|referral-1001"
* for.identifier.system = $nhs-number
* for.identifier.value = "9434765919"
* for.type = "Patient"
* authoredOn = "2026-01-05T10:30:00Z"
* requester.identifier.system = "https://fhir.nhs.uk/Id/ods-organization-code"
* requester.identifier.value = "A12345"
* requester.type = "Organization"
* owner.identifier.system = "https://fhir.nhs.uk/Id/ods-organization-code"
* owner.identifier.value = "RY123"
* owner.type = "Organization"
* output.type = $sp#national-coding-entry "National social prescribing coded entry"
* output.valueReference.reference = "Observation?identifier=https://sp-fhir-adapter.org/fhir/Id/source-record/example-system|referral-1001/accepted"
