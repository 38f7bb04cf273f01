/**
 * Reads the `location` a FHIR server gives a written resource (`[base/]Type/id[/_history/vid]`) into the relative
 * reference and version the adapter records.
 */

/** `[base/]Type/id[/_history/vid]` → its relative reference and version. */
export function parseLocation(location: string | undefined): { reference: string; versionId?: string } {
  const match = /([A-Z][A-Za-z]+)\/([A-Za-z0-9.-]{1,64})(?:\/_history\/([A-Za-z0-9.-]{1,64}))?\/?$/.exec(
    location ?? '',
  );
  if (match?.[1] === undefined || match[2] === undefined) {
    return { reference: location ?? '' };
  }
  return { reference: `${match[1]}/${match[2]}`, ...(match[3] !== undefined ? { versionId: match[3] } : {}) };
}
