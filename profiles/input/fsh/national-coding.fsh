// The national social prescribing coded entries a GP practice records and counts (NHS England guidance):
// "Referral to social prescribing service" when the person accepts, "Social prescribing declined" when they decline.

ValueSet: SPNationalCodingVS
Id: sp-national-coding
Title: "National social prescribing coded entries"
Description: "The SNOMED CT concepts NHS England asks practices to record for a referral to a social prescribing link worker: accepted (procedure) and declined (situation)."
* insert SPMetadata
* $sct#871731000000106 "Referral to social prescribing service"
* $sct#871711000000103 "Social prescribing declined"

Profile: SPNationalCoding
Parent: UKCore-Observation
Id: sp-national-coding
Title: "National social prescribing coded entry"
Description: "One coded entry in the GP record for the person's answer to a social prescribing referral, dated when they answered. Its identifier is derived from the referral (referral/<id>/accepted or /declined), so each answer is recorded once however often the referral is sent again. An Observation carries either code (a procedure or a situation concept) as a plain dated coded entry, which is how practices search and count them."
* insert SPMetadata
* insert SPNarrative
* extension MS
* identifier MS
* basedOn MS
* status MS
* subject MS
* effective[x] MS
* performer MS
* code MS
* insert SPObservationCommon
* basedOn 1..1
* code from SPNationalCodingVS (required)
* value[x] 0..0
* component ^slicing.rules = #open
* component 0..0

Instance: sp-national-coding-example
InstanceOf: SPNationalCoding
Title: "Example national coded entry"
Description: "The person accepted the referral to the link worker."
Usage: #example
* insert SPExampleObservationCommon(referral-1001/accepted)
* code = $sct#871731000000106 "Referral to social prescribing service"
