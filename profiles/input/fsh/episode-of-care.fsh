// The social prescribing episode: the link-worker service's responsibility for the person from referral to
// closure. Contacts (Encounter.episodeOfCare), plans (CarePlan.supportingInfo), goals (goal-episode-of-care) and
// observations (workflow-episodeOfCare) point to it; a re-referral's episode names the earlier one.

ValueSet: SPEpisodeStatusVS
Id: sp-episode-status
Title: "Social prescribing episode status"
Description: "The EpisodeOfCare statuses a social prescribing episode takes: planned until the person accepts, active while the service works with them, finished or cancelled when it ends, entered-in-error when the referral was sent in error."
* insert SPMetadata
* http://hl7.org/fhir/episode-of-care-status#planned "Planned"
* http://hl7.org/fhir/episode-of-care-status#active "Active"
* http://hl7.org/fhir/episode-of-care-status#finished "Finished"
* http://hl7.org/fhir/episode-of-care-status#cancelled "Cancelled"
* http://hl7.org/fhir/episode-of-care-status#entered-in-error "Entered in Error"

Profile: SPEpisodeOfCare
Parent: UKCore-EpisodeOfCare
Id: sp-episode-of-care
Title: "Social prescribing episode of care"
Description: "One social prescribing episode: whose it is, the link-worker service managing it, the link worker as care manager, the referral that started it, when it ran, and the earlier episode a re-referral follows. Its id and identifier are derived from the referral's source identity (referral/<id>/episode)."
* insert SPMetadata
* insert SPNarrative
* extension contains
    SourceRecordVersion named sourceRecordVersion 1..1 and
    PreviousEpisode named previousEpisode 0..1
* insert SPExtensionSlice(sourceRecordVersion, source-record-version)
* insert SPExtensionSlice(previousEpisode, previous-episode)
* identifier 1..*
* status from SPEpisodeStatusVS (required)
* type 1..*
* patient only Reference(Patient)
* managingOrganization 1..1
* managingOrganization only Reference(Organization)
* period 1..1
* period.start 1..1
* referralRequest 1..*
* referralRequest only Reference(ServiceRequest)
* careManager only Reference(Practitioner or PractitionerRole)
// Elements the adapter fills: receivers must be able to store and show them.
* careManager MS
* extension MS
* identifier MS
* managingOrganization MS
* patient MS
* period MS
* referralRequest MS
* status MS
* type MS

Instance: sp-episode-of-care-example
InstanceOf: SPEpisodeOfCare
Title: "Example social prescribing episode of care"
Description: "The episode of referral referral-1001, accepted and under way."
Usage: #example
* extension[sourceRecordVersion].valueInteger = 3
* identifier.system = "https://sp-fhir-adapter.org/fhir/Id/source-record/example-system"
* identifier.value = "referral-1001/episode"
* status = #active
* type = $sp#social-prescribing-episode "Social prescribing episode of care"
* patient.identifier.system = $nhs-number
* patient.identifier.value = "9434765919"
* patient.type = "Patient"
* managingOrganization.identifier.system = "https://fhir.nhs.uk/Id/ods-organization-code"
* managingOrganization.identifier.value = "RX9LW"
* managingOrganization.type = "Organization"
* managingOrganization.display = "Teesside Social Prescribing Service"
* period.start = "2026-01-05T10:30:00Z"
* referralRequest.reference = "ServiceRequest?identifier=https://sp-fhir-adapter.org/fhir/Id/source-record/example-system|referral-1001"
* careManager.identifier.system = "https://fhir.nhs.uk/Id/sds-user-id"
* careManager.identifier.value = "555123456789"
* careManager.type = "Practitioner"
* careManager.display = "Sam Rivers (social prescribing link worker, Teesside Social Prescribing Service)"
