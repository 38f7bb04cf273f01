// A goal from the person's care and support plan, as written by the goal mapper.

Profile: SPGoal
Parent: Goal
Id: sp-goal
Title: "Social prescribing goal"
Description: "A goal agreed between the person and their link worker."
* insert SPMetadata
* insert SPNarrative
* extension contains
    GoalImportance named importance 0..1 and
    SourceRecordVersion named sourceRecordVersion 1..1 and
    SourceRecordWriter named sourceRecordWriter 0..1 and
    GoalEpisodeOfCare named episodeOfCare 0..1
* insert SPExtensionSlice(importance, goal-importance)
* insert SPExtensionSlice(episodeOfCare, goal-episode-of-care)
* insert SPExtensionSlice(sourceRecordVersion, source-record-version)
* insert SPExtensionSlice(sourceRecordWriter, source-record-writer)
* identifier 1..*
* lifecycleStatus 1..1
* achievementStatus 0..1
* description.text 1..1
* priority 0..1
* target.due[x] only date
* subject only Reference(Patient)
* expressedBy 0..1
* expressedBy only Reference(Patient or Practitioner or PractitionerRole or RelatedPerson)
* addresses 0..*
* addresses only Reference(ServiceRequest or Condition or Observation)
// Elements the adapter fills: receivers must be able to store and show them.
* achievementStatus MS
* addresses MS
* description MS
* expressedBy MS
* extension MS
* identifier MS
* lifecycleStatus MS
* priority MS
* start[x] MS
* subject MS
* target MS

Instance: sp-goal-example
InstanceOf: SPGoal
Title: "Example social prescribing goal"
Description: "A goal to join a community group, linked to its referral."
Usage: #example
* extension[importance].valueInteger = 8
* extension[sourceRecordVersion].valueInteger = 1
* identifier.system = "https://sp-fhir-adapter.org/fhir/Id/source-record/example-system"
* identifier.value = "goal-2001"
* lifecycleStatus = #active
* achievementStatus = http://terminology.hl7.org/CodeSystem/goal-achievement#in-progress "In Progress"
* description.text = "Join a walking group and meet new people"
* subject.identifier.system = $nhs-number
* subject.identifier.value = "9434765919"
* subject.type = "Patient"
* target.dueDate = "2026-04-30"
* expressedBy.identifier.system = $nhs-number
* expressedBy.identifier.value = "9434765919"
* expressedBy.type = "Patient"
* addresses.reference = "ServiceRequest?identifier=https://sp-fhir-adapter.org/fhir/Id/source-record/example-system|referral-1001"
