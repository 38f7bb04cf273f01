// Shared aliases and rule sets used across the profiles.
Alias: $sct = http://snomed.info/sct
Alias: $ucum = http://unitsofmeasure.org
Alias: $obs-category = http://terminology.hl7.org/CodeSystem/observation-category
Alias: $sp = https://sp-fhir-adapter.org/fhir/CodeSystem/sp-concepts
Alias: $nhs-number = https://fhir.nhs.uk/Id/nhs-number
Alias: $provenance-participant = http://terminology.hl7.org/CodeSystem/provenance-participant-type
Alias: $request-statusReason = http://hl7.org/fhir/StructureDefinition/request-statusReason
Alias: $task-code = http://hl7.org/fhir/CodeSystem/task-code
Alias: $workflow-episodeOfCare = http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare
Alias: $pertainsToGoal = http://hl7.org/fhir/StructureDefinition/resource-pertainsToGoal

// Applied to every definitional resource. The date is fixed (not the build day) so that compiling the same
// FSH twice gives byte-identical JSON; change it when the profiles are released.
RuleSet: SPMetadata
* ^publisher = "sp-fhir-adapter project"
* ^date = "2026-01-01"
* ^experimental = false

// Applied to every profile: each resource carries a generated narrative (text.div) a GP can read without a FHIR
// viewer, so a receiver that supports the profile must keep and show it; and it may carry security labels saying
// who may see it (docs/mapping.md, "Visibility"), which a receiver must keep and honour.
RuleSet: SPNarrative
* text MS
* meta.security MS

// Spelling out the url of an extension slice makes SUSHI unfold the extension's elements (url, value[x]) into
// the profile's snapshot, so validators that match slices by the url's fixed value can recognise the slice.
RuleSet: SPExtensionSlice(slice, id)
* extension[{slice}].url = "https://sp-fhir-adapter.org/fhir/StructureDefinition/{id}" (exactly)
