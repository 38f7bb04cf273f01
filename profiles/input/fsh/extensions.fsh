// Extensions carrying source-system facts that have no home in the base resources.

Invariant: sp-importance-range
Description: "Goal importance is a whole number from 1 to 10."
Expression: "$this >= 1 and $this <= 10"
Severity: #error

Extension: GoalImportance
Id: goal-importance
Title: "Goal importance"
Description: "How important the goal is to the person, from 1 (least) to 10 (most), as recorded in the care and support plan."
Context: Goal
* insert SPMetadata
* value[x] 1..1
* value[x] only integer
* valueInteger obeys sp-importance-range

Invariant: sp-version-positive
Description: "A source record version is a whole number of at least 1."
Expression: "$this >= 1"
Severity: #error

Extension: SourceRecordVersion
Id: source-record-version
Title: "Source record version"
Description: "The source system's version of the record this resource was written from. Lets a receiver tell which of two deliveries is newer."
Context: ServiceRequest, Goal, Observation, Encounter, CarePlan, EpisodeOfCare
* insert SPMetadata
* value[x] 1..1
* value[x] only integer
* valueInteger obeys sp-version-positive

Extension: SourceRecordWriter
Id: source-record-writer
Title: "Source record writer"
Description: "The source record this resource was last written from (the source system and the record's kind and id), whose version source-record-version holds. A resource written from more than one source record, such as a Goal sent on its own and inside a care and support plan, has a version counter per record, so a receiver compares versions only between writes of the same record."
Context: Goal
* insert SPMetadata
* value[x] 1..1
* value[x] only Identifier
* valueIdentifier.system 1..1
* valueIdentifier.value 1..1

Extension: ConnectionStatus
Id: connection-status
Title: "Connection status"
Description: "The connection's exact status in the link worker's system (ServiceRequest.status is coarser)."
Context: ServiceRequest
* insert SPMetadata
* value[x] 1..1
* value[x] only Coding
* valueCoding from SPConnectionStatusVS (required)
* valueCoding.system 1..1
* valueCoding.code 1..1

Extension: ActionConfidence
Id: action-confidence
Title: "Confidence to carry out an action"
Description: "How confident the person is that they can carry out the action, from 1 (not at all) to 10 (completely)."
Context: CarePlan.activity.detail
* insert SPMetadata
* value[x] 1..1
* value[x] only integer
* valueInteger obeys sp-importance-range

Extension: GoalEpisodeOfCare
Id: goal-episode-of-care
Title: "Episode of care of a goal"
Description: "The social prescribing episode in which the goal was agreed. R4 Goal has no element for it, and the core workflow-episodeOfCare extension does not list Goal among its contexts."
Context: Goal
* insert SPMetadata
* value[x] 1..1
* value[x] only Reference(EpisodeOfCare)

Extension: PreviousEpisode
Id: previous-episode
Title: "Previous episode of care"
Description: "The earlier social prescribing episode that a re-referral's episode follows. R4 EpisodeOfCare has no element linking one episode to another."
Context: EpisodeOfCare
* insert SPMetadata
* value[x] 1..1
* value[x] only Reference(EpisodeOfCare)

Extension: PlanReviewDate
Id: plan-review-date
Title: "Care and support plan review date"
Description: "When the person and their link worker plan to review the care and support plan. R4 CarePlan has no review date; period.end is when the plan stops applying, which a review does not decide."
Context: CarePlan
* insert SPMetadata
* value[x] 1..1
* value[x] only date
