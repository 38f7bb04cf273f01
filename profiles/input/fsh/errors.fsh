// The codes of the errors the adapter reports, carried in an OperationOutcome issue's details.coding. The same
// entries, with HTTP statuses and advice, are in src/lib/error-catalogue.ts and docs/errors.md; a test keeps the
// three in step.

CodeSystem: SPError
Id: error
Title: "sp-fhir-adapter errors"
Description: "The stable codes of the errors the sp-fhir-adapter API and command line report. docs/errors.md gives the HTTP status of each and what to do about it."
* insert SPMetadata
* ^caseSensitive = true
* ^content = #complete
* #field-missing "Required field missing" "A required field or query parameter is absent, or the value of another field makes this one required."
* #field-wrong-type "Field of the wrong type" "A field or query parameter is present but of the wrong JSON type; the text says what was expected."
* #field-unknown "Unknown field" "A field or query parameter that the API does not define was sent."
* #field-invalid "Invalid value" "A value fails a check: format, length, range, allowed values, a date in the future or out of order, a duplicate or dangling key."
* #rule-violated "Rule about the record broken" "The message breaks a rule about the history of the record, e.g. a status that cannot follow the latest one."
* #body-not-json "Body is not JSON" "The request body is not valid JSON."
* #idempotency-key-invalid "Invalid Idempotency-Key" "The `Idempotency-Key` header is empty or longer than 255 characters."
* #request-malformed "Request cannot be read" "The request cannot be read: a path with malformed percent-encoding, a compressed body that does not decompress, or a similar fault in the request itself. A conditional or range request that cannot be met carries this code with its own 4xx status."
* #too-many-problems "More problems than listed" "The request has more problems than one answer lists (100); this last issue says how many more were left out."
* #key-required "API key required" "No API key, or an unknown one, was presented."
* #key-wrong-role "API key of another role" "The key is valid but belongs to another role (ingest, admin or auditor)."
* #client-not-permitted "Outside the client's scope" "The client may not submit under this `source.system`, or for or about this GP practice."
* #request-forbidden "Path never served" "The path asks for something that is never served, such as a hidden file or a path outside the dashboard's assets."
* #message-not-found "No such message" "No message has the id in the path."
* #document-not-found "No such episode document" "No episode document has the id in the path, or it belongs to a GP practice this client may not see."
* #route-not-found "No such route" "No API route exists for this method and path."
* #method-not-allowed "Method not allowed" "The path exists, but not for this HTTP method (e.g. a POST to a dashboard asset)."
* #identity-conflict "Identity already used" "A different message was already accepted with the same identity (source record version or `Idempotency-Key`)."
* #consent-withdrawn "Consent to share withdrawn" "The person withdrew consent to share with their GP practice in an accepted version of the referral, so no later record of the episode may reach the GP record."
* #replay-not-failed "Message not failed" "Only failed messages can be replayed; this one is in another status."
* #replay-document-not-failed "Episode document not failed" "Only failed episode documents can be replayed; this one is still on its way or delivered."
* #replay-not-delivered "Message not delivered" "A replay with `delivered=true` sends a delivered message again; this one is in another status."
* #replay-body-purged "Message body purged" "The message body (patient data) was purged under the retention policy, so it cannot be replayed."
* #body-too-large "Body too large" "The request body is larger than the configured limit."
* #media-type-unsupported "Body not declared as JSON" "The body is not declared as JSON."
* #encoding-unsupported "Unsupported encoding or charset" "The content encoding or charset of the body is not supported."
* #practice-without-endpoint "No endpoint for the practice" "No EHR endpoint is configured for the GP practice of the message."
* #rate-limited "Too many requests" "Too many requests in the configured window: from this client for ingest, admin and audit calls, or failed authentications from this address."
* #internal-error "Internal error" "An unexpected failure inside the service; nothing about it is echoed back."
* #store-unavailable "Message store unavailable" "The message store could not take the write durably; nothing was accepted."
* #credentials-unverifiable "Credentials cannot be checked" "The bearer token could not be checked because the issuer's signing keys (JWKS) could not be fetched."
* #config-invalid "Invalid configuration" "The configuration (`CONFIG_FILE` and environment variables) is invalid; each problem names its setting."
