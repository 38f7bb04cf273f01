/**
 * A message's identity and fingerprint. Identity decides whether a post is a repeat of one already accepted
 * (same source record version, or same Idempotency-Key); the content hash decides whether a repeat carries the
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
 * The key under which a message is deduplicated. An explicit Idempotency-Key is scoped to the client that sent it
 * (two clients may pick the same key); a source identity is global because the source system URI already
 * namespaces it.
 */
export function idempotencyKey(kind: MessageKind, source: SourceRef, clientId: string, header?: string): string {
  if (header !== undefined) {
    return sha256Hex(`key\n${clientId}\n${header}`);
  }
  return sha256Hex(`source\n${kind}\n${source.system}\n${source.recordId}\n${source.recordVersion}`);
}
