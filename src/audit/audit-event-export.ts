/**
 * Gathers what the AuditEvent builders need for a set of ledger entries (each delivery's `received` entry, the
 * resources the message record lists) and returns the Bundle. Shared by
 * GET /v1/audit/audit-events and `audit export --format fhir`.
 */
import type { AuditEvent, Bundle } from '@medplum/fhirtypes';
import type { WrittenResource } from '../messages/record';
import type { AuditEventSite, DeliveryEvent } from './audit-events';
import { auditEventBundle, auditEventsFor } from './audit-events';
import type { AuditLedger, LedgerEntry } from '../store/ledger';
import { receivedOf } from '../store/ledger';

const BATCH = 500;

/** Whether the entry records a delivery outcome (the entries that become AuditEvents), optionally for one practice. */
export function isDeliveryEntry(entry: LedgerEntry, practice?: string): boolean {
  const { event } = entry;
  return (
    (event?.type === 'delivered' || event?.type === 'failed') && (practice === undefined || event.practice === practice)
  );
}

/** The record's resource list belongs to this delivery only if its entry names every one of them. */
function resourcesFor(event: DeliveryEvent, resources: WrittenResource[] | undefined): WrittenResource[] | undefined {
  const named = event.type === 'delivered' ? event.resources : '';
  return resources?.every((r) => named.includes(r.reference)) === true ? resources : undefined;
}

export async function auditEventExport(
  ledger: AuditLedger,
  entries: readonly LedgerEntry[],
  site: AuditEventSite,
  now: Date,
): Promise<Bundle<AuditEvent>> {
  const deliveries = entries.flatMap(({ id, event }) =>
    event?.type === 'delivered' || event?.type === 'failed' ? [{ id, event }] : [],
  );
  const events: AuditEvent[] = [];
  for (let i = 0; i < deliveries.length; i += BATCH) {
    const slice = deliveries.slice(i, i + BATCH);
    const ids = [...new Set(slice.map((delivery) => delivery.event.messageId))];
    const timelines = await ledger.timelines(ids);
    const records = await ledger.messages.resourceLists(ids);
    for (const { id, event } of slice) {
      const messageId = event.messageId;
      const received = receivedOf(timelines.get(messageId) ?? []);
      const resources = resourcesFor(event, records.get(messageId));
      events.push(
        ...auditEventsFor(
          {
            entryId: id,
            event,
            ...(received !== undefined ? { received } : {}),
            ...(resources !== undefined ? { resources } : {}),
          },
          site,
        ),
      );
    }
  }
  return auditEventBundle(events, now);
}
