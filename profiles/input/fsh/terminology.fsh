// The project's own code systems and value sets. Project codes are used only where no verified national
// (SNOMED CT / LOINC) code exists; the SNOMED CT ids listed are ones with published evidence of use.

CodeSystem: SPConcepts
Id: sp-concepts
Title: "Social prescribing concepts"
Description: "Concepts defined by the sp-fhir-adapter project where no verified national code exists. SWEMWBS items are identified by number only: the licensed item wording is deliberately not reproduced."
* insert SPMetadata
* ^caseSensitive = true
* ^content = #complete
* #link-worker-contact-note "Social prescribing link worker contact note"
* #ons4 "ONS4 personal wellbeing measures"
* #ons4-life-satisfaction "ONS4 life satisfaction"
* #ons4-worthwhile "ONS4 things done in life are worthwhile"
* #ons4-happiness "ONS4 happiness yesterday"
* #ons4-anxiety "ONS4 anxiety yesterday"
* #swemwbs-item-1 "SWEMWBS item 1"
* #swemwbs-item-2 "SWEMWBS item 2"
* #swemwbs-item-3 "SWEMWBS item 3"
* #swemwbs-item-4 "SWEMWBS item 4"
* #swemwbs-item-5 "SWEMWBS item 5"
* #swemwbs-item-6 "SWEMWBS item 6"
* #swemwbs-item-7 "SWEMWBS item 7"
* #contact-mode "Contact mode"
* #contact-duration "Contact duration"
* #ucla3-score "UCLA 3-item loneliness scale score"
* #ucla3-item-1 "UCLA-3 item 1"
* #ucla3-item-2 "UCLA-3 item 2"
* #ucla3-item-3 "UCLA-3 item 3"
* #swemwbs-metric-score "SWEMWBS metric score"
* #wemwbs-item-1 "WEMWBS item 1"
* #wemwbs-item-2 "WEMWBS item 2"
* #wemwbs-item-3 "WEMWBS item 3"
* #wemwbs-item-4 "WEMWBS item 4"
* #wemwbs-item-5 "WEMWBS item 5"
* #wemwbs-item-6 "WEMWBS item 6"
* #wemwbs-item-7 "WEMWBS item 7"
* #wemwbs-item-8 "WEMWBS item 8"
* #wemwbs-item-9 "WEMWBS item 9"
* #wemwbs-item-10 "WEMWBS item 10"
* #wemwbs-item-11 "WEMWBS item 11"
* #wemwbs-item-12 "WEMWBS item 12"
* #wemwbs-item-13 "WEMWBS item 13"
* #wemwbs-item-14 "WEMWBS item 14"
* #readiness-to-act "Readiness to act"
* #barrier-to-connection "Barrier to connection"
* #presenting-need "Social prescribing need or concern"
* #community-referral "Referral to a community organisation"
* #community-signposting "Signposting to a community organisation"
* #personalised-care-support-plan "Personalised care and support plan"
* #social-prescribing-episode "Social prescribing episode of care"
* #episode-summary "Social prescribing episode summary"
* #closure-reason "Reason the episode ended"
* #re-referral-offered "Re-referral offered"
* #follow-up-planned "Follow-up planned"
* #social-prescribing-referral "Referral to a social prescribing link worker"
* #national-coding-entry "National social prescribing coded entry"

ValueSet: SPConceptsVS
Id: sp-concepts
Title: "Social prescribing concepts"
Description: "All codes of the project's social prescribing concepts code system."
* insert SPMetadata
* include codes from system SPConcepts

CodeSystem: SPReferralStatus
Id: sp-referral-status
Title: "Social prescribing referral status"
Description: "Where a referral stands in the social prescribing service's own workflow, carried as the referral Task's businessStatus."
* insert SPMetadata
* ^caseSensitive = true
* ^content = #complete
* #received "Received" "The referral has reached the social prescribing service."
* #accepted "Accepted" "The person accepted the referral to the link worker."
* #declined "Declined" "The person declined the referral."
* #in-progress "In progress" "The link worker is working with the person."
* #completed "Completed" "The episode of social prescribing support ended as planned."
* #withdrawn "Withdrawn" "The referral was withdrawn before completion."

ValueSet: SPReferralStatusVS
Id: sp-referral-status
Title: "Social prescribing referral status"
Description: "All social prescribing referral status codes."
* insert SPMetadata
* include codes from system SPReferralStatus

CodeSystem: SPReferralSource
Id: sp-referral-source
Title: "Social prescribing referral source"
Description: "Who referred the person to the social prescribing service."
* insert SPMetadata
* ^caseSensitive = true
* ^content = #complete
* #gp "GP practice"
* #other-professional "Other health or care professional"
* #self "Self-referral"
* #voluntary-sector "Voluntary, community or social enterprise sector"
* #local-authority "Local authority"
* #other "Other"

ValueSet: SPReferralSourceVS
Id: sp-referral-source
Title: "Social prescribing referral source"
Description: "All social prescribing referral source codes."
* insert SPMetadata
* include codes from system SPReferralSource

CodeSystem: SPContactMode
Id: sp-contact-mode
Title: "Link worker contact mode"
Description: "How a link worker contact took place."
* insert SPMetadata
* ^caseSensitive = true
* ^content = #complete
* #face-to-face "Face to face"
* #telephone "Telephone"
* #video "Video"

ValueSet: SPContactModeVS
Id: sp-contact-mode
Title: "Link worker contact mode"
Description: "All link worker contact mode codes."
* insert SPMetadata
* include codes from system SPContactMode

ValueSet: SPPresentingNeeds
Id: sp-presenting-needs
Title: "Social prescribing presenting needs"
Description: "SNOMED CT findings commonly given as the reason for a social prescribing referral. Listed explicitly so that codes can be checked without a terminology server."
* insert SPMetadata
* $sct#422650009 "Social isolation"
* $sct#267076002 "Feeling lonely"
* $sct#160932005 "Financial problem"
* $sct#105531004 "Housing unsatisfactory"
* $sct#32911000 "Homeless"
* $sct#73438004 "Unemployed"
* $sct#733423003 "Food insecurity"
* $sct#366979004 "Depressed mood"
* $sct#48694002 "Anxiety"
* $sct#224484003 "Person themselves is a carer"
* $sct#40979000 "Lack of physical exercise"
* $sct#266934004 "Transport problem"

CodeSystem: SPWriteKey
Id: write-key
Title: "Write key"
Description: "Tags the one resource the adapter writes for a source record version where R4 gives the resource no business identifier (Provenance, AuditEvent). Each code is a name-based UUID (RFC 9562 version 8) of what the resource records; the adapter writes the resource as a conditional update on this tag (`PUT Provenance?_tag=...`), so redelivery never adds a copy and the server chooses the id. The codes are not enumerated."
* insert SPMetadata
* ^caseSensitive = true
* ^content = #not-present
