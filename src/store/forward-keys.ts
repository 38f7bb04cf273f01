/**
 * Redis keys of AuditEvent forwarding: the hand-off set that delivered and failed transitions add to atomically
 * (`<messageId>.<attempt>`, scored by when), and the marker hash that lets each delivery's forwarding be recorded
 * in the ledger once only.
 */

/** Sorted set of `<messageId>.<attempt>` whose AuditEvents still have to be handed to a forwarding queue. */
export function auditForwardOutboxKey(prefix: string): string {
  return `${prefix}:audit:forward-outbox`;
}

/** Hash of `<messageId>.<attempt>` → ledger entry id of its audit-forwarded or audit-forward-failed entry. */
export function auditForwardRecordedKey(prefix: string): string {
  return `${prefix}:audit:forward-recorded`;
}
