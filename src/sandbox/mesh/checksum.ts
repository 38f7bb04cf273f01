/**
 * Checks a `mex-content-checksum` against the bytes that arrived. MESH itself only carries the value from sender to
 * receiver; the sandbox checks the forms it recognises (`sha256:<hex>`, `md5:<hex>`, or bare hex of either length)
 * so a client that reassembles or chunks a message wrongly is caught at once. Other forms pass unchecked.
 */
import { createHash } from 'node:crypto';

const ALGORITHM_BY_HEX_LENGTH: Readonly<Record<number, string>> = { 32: 'md5', 64: 'sha256' };
const KNOWN_ALGORITHMS = new Set(['md5', 'sha1', 'sha256']);

/** True or false when the checksum could be checked, undefined when its form is not one the sandbox knows. */
export function checksumMatches(checksum: string, body: Buffer): boolean | undefined {
  const trimmed = checksum.trim().toLowerCase();
  const separator = trimmed.indexOf(':');
  const algorithm =
    separator >= 0 ? trimmed.slice(0, separator) : (ALGORITHM_BY_HEX_LENGTH[trimmed.length] ?? undefined);
  const expected = separator >= 0 ? trimmed.slice(separator + 1) : trimmed;
  if (algorithm === undefined || !KNOWN_ALGORITHMS.has(algorithm) || !/^[0-9a-f]+$/.test(expected)) {
    return undefined;
  }
  return createHash(algorithm).update(body).digest('hex') === expected;
}
