/**
 * A message's identity and fingerprint. Identity decides whether a post is a repeat of one already accepted
 * (same source record version from the same client, or its Idempotency-Key); the content hash decides whether a repeat carries the
 * same document or a conflicting one.
 */
import { createHash } from 'node:crypto';
import type { MessageKind, SourceRef } from './schemas';

/** JSON with object keys sorted at every depth, so equal documents hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner !== null && typeof inner === 'object' && !Array.isArray(inner)) {
      const sorted: Record<string, unknown> = {};
      for (const key of Object.keys(inner).sort()) {
        sorted[key] = (inner as Record<string, unknown>)[key];
      }
      return sorted;
    }
    return inner;
  });
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function contentHash(body: unknown): string {
  return sha256Hex(canonicalJson(body));
}

/**
 * The keys under which a message is deduplicated, both scoped to the client that sent it so one client's
 * identities never meet another's. The source identity (kind, system, record id and version) is always checked:
 * once a version is accepted, a different body for it is a conflict whatever Idempotency-Key says. An explicit
 * Idempotency-Key is a second key checked and taken in the same step.
 */
export interface IdentityKeys {
  readonly source: string;
  readonly header?: string;
}

export function identityKeys(kind: MessageKind, source: SourceRef, clientId: string, header?: string): IdentityKeys {
  const sourceKey = sha256Hex(
    `source\n${clientId}\n${kind}\n${source.system}\n${source.recordId}\n${String(source.recordVersion)}`,
  );
  return {
    source: sourceKey,
    ...(header !== undefined ? { header: sha256Hex(`key\n${clientId}\n${header}`) } : {}),
  };
}
