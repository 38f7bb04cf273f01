/**
 * Name-based UUIDs (RFC 9562 version 8, from SHA-256): the same name always gives the same id, so a resource or
 * event written again under its id (update-as-create) replaces itself instead of adding a copy.
 */
import { createHash } from 'node:crypto';

export function nameBasedUuid(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex').slice(0, 32).split('');
  hex[12] = '8';
  hex[16] = ((Number.parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
