/**
 * Gathers what the AuditEvent builders need for a set of ledger entries (each delivery's `received` entry, the
 * resources the message record lists) and returns the Bundle. Shared by
 * GET /v1/audit/audit-events and `audit export --format fhir`.
 */
import type { AuditEvent, Bundle } from '@medplum/fhirtypes';
import type { WrittenResource } from '../messages/record';
import type { AuditEventSite } from './audit-events';
import { auditEventBundle, auditEventsFor } from './audit-events';
import type { AuditLedger, LedgerEntry } from '../store/ledger';

const BATCH = 500;

function parseResources(resources: string | null): WrittenResource[] | undefined {
  return resources !== null && resources !== '' ? (JSON.parse(resources) as WrittenResource[]) : undefined;
}

/** The record's resource list belongs to this entry only if the entry names every one of them. */
function resourcesFor(entry: LedgerEntry, resources: WrittenResource[] | undefined): WrittenResource[] | undefined {
  const named = entry.fields.resources ?? '';
  return resources?.every((r) => named.includes(r.reference)) === true ? resources : undefined;
}

export async function auditEventExport(
  ledger: AuditLedger,
  entries: readonly LedgerEntry[],
  site: AuditEventSite,
  now: Date,
): Promise<Bundle<AuditEvent>> {
  const deliveries = entries.filter(
    (e) => (e.type === 'delivered' || e.type === 'failed') && e.fields.messageId !== undefined,
  );
  const events: AuditEvent[] = [];
  for (let i = 0; i < deliveries.length; i += BATCH) {
    const slice = deliveries.slice(i, i + BATCH);
    const ids = [...new Set(slice.map((e) => e.fields.messageId ?? ''))];
    const timelines = await ledger.timelines(ids);
    const replies = await ledger.redis.pipeline(ids.map((id) => ['hget', ledger.keys.message(id), 'resources'])).exec();
    const records = new Map(ids.map((id, j) => [id, parseResources((replies?.[j]?.[1] ?? null) as string | null)]));
    for (const event of slice) {
      const messageId = event.fields.messageId ?? '';
      const received = timelines.get(messageId)?.find((e) => e.type === 'received');
      const resources = resourcesFor(event, records.get(messageId));
      events.push(
        ...auditEventsFor(
          {
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
