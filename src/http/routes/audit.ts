/**
 * The read-only audit API under /v1/audit: message search, a message's timeline, the reconciliation report, the
 * ledger itself and its verification, each as JSON and (where tabular) CSV or NDJSON. Every call is recorded in
 * the ledger as `audit-access` before the answer is sent.
 */
import type { Request, Response, Router } from 'express';
import express from 'express';
import type { AuditAction } from '../../audit/access';
import { recordAccess } from '../../audit/access';
import { ledgerCsv, ledgerNdjson, reconciliationCsv, reconciliationNdjson } from '../../audit/exports';
import type { AuditLedger, LedgerEntry } from '../../store/ledger';
import type { PatientKeyer } from '../../store/patient-key';
import { reconcile } from '../../audit/reconcile';
import { MessageSearch } from '../../audit/search';
import { verifyLedger } from '../../audit/verify';
import { hostname } from 'node:os';
import { auditEventExport, isDeliveryEntry } from '../../audit/audit-event-export';
import { auditEventSite } from '../../audit/audit-events';
import { permits } from '../../config/client-scope';
import { requestPrincipal } from '../auth';
import { httpError } from '../errors';
import { entryInPractices, withinPractices } from './practice-scope';
import {
  auditEventQuerySchema,
  formatSchema,
  messageQuery,
  parseQuery,
  queryTarget,
  reconciliationQuery,
  reconciliationQuerySchema,
  refuseUnknownParameters,
  searchQuerySchema,
} from './audit-query';
import { z } from 'zod';

export interface AuditRouteDeps {
  readonly ledger: AuditLedger;
  readonly patientKey: PatientKeyer;
  readonly now: () => Date;
  /** For the AuditEvents' server agent (each endpoint's base URL) and client agent (this adapter). */
  readonly endpoints: { get(id: string): { readonly baseUrl?: string } | undefined };
  readonly version: string;
  readonly http: { readonly publicUrl?: string };
}

const MESSAGE_ID = /^[0-9a-f-]{36}$/;
const LEDGER_EXPORT_LIMIT = 100_000;

const ledgerQuerySchema = z.object({
  from: z.preprocess((v) => (v === '' ? undefined : v), z.iso.datetime({ offset: true }).optional()),
  to: z.preprocess((v) => (v === '' ? undefined : v), z.iso.datetime({ offset: true }).optional()),
  type: z.preprocess((v) => (v === '' ? undefined : v), z.string().max(40).optional()),
});

/** The query parameters each audit route reads, for the OpenAPI description. */
export const AUDIT_REQUESTS = {
  searchQuery: searchQuerySchema,
  reconciliationQuery: reconciliationQuerySchema,
  ledgerQuery: ledgerQuerySchema,
  auditEventQuery: auditEventQuerySchema,
  format: formatSchema,
};

/** The audit entry for this request, attributed to the authenticated auditor. */
export async function audited(
  deps: AuditRouteDeps,
  res: Response,
  action: AuditAction,
  target: Record<string, string>,
  channel: string,
): Promise<void> {
  await recordAccess(deps.ledger, deps.patientKey, {
    who: String(res.locals.clientId),
    action,
    target,
    channel,
    at: deps.now(),
  });
}

function send(
  res: Response,
  format: 'json' | 'csv' | 'ndjson',
  name: string,
  json: unknown,
  csv: () => string,
  ndjson: () => string,
): void {
  if (format === 'csv') {
    res.attachment(`${name}.csv`).type('text/csv; charset=utf-8').send(csv());
  } else if (format === 'ndjson') {
    res.attachment(`${name}.ndjson`).type('application/x-ndjson').send(ndjson());
  } else {
    res.json(json);
  }
}

function entryView(entry: LedgerEntry): Record<string, unknown> {
  return { seq: entry.seq, id: entry.id, type: entry.type, ...entry.fields, prev: entry.prev, hash: entry.hash };
}

export function auditRouter(deps: AuditRouteDeps): Router {
  const router = express.Router();
  const search = new MessageSearch(deps.ledger, deps.patientKey);

  router.get('/v1/audit/messages', async (req: Request, res: Response) => {
    const query = withinPractices(messageQuery(req.query), requestPrincipal(res).practices);
    await audited(deps, res, 'search', queryTarget(req.query), 'api');
    res.json(await search.search(query));
  });

  router.get('/v1/audit/messages/:id', async (req: Request, res: Response) => {
    refuseUnknownParameters(req.query, []);
    const id = String(req.params.id);
    const [summary] = MESSAGE_ID.test(id) ? await search.summaries([id]) : [];
    if (summary === undefined || !permits(requestPrincipal(res).practices, summary.practice)) {
      throw httpError('message-not-found', { text: `No message with id ${id}`, expression: 'id' });
    }
    await audited(deps, res, 'view', { messageId: id }, 'api');
    res.json({ message: summary, timeline: (await deps.ledger.timeline(id)).map(entryView) });
  });

  router.get('/v1/audit/reconciliation', async (req: Request, res: Response) => {
    const query = withinPractices(reconciliationQuery(req.query, ['format']), requestPrincipal(res).practices);
    const format = parseQuery(formatSchema, req.query.format, ['format']);
    await audited(deps, res, format === 'json' ? 'reconcile' : 'export', queryTarget(req.query), 'api');
    const report = await reconcile(deps.ledger, query, deps.now());
    send(
      res,
      format,
      `reconciliation-${query.practice}`,
      report,
      () => reconciliationCsv(report),
      () => reconciliationNdjson(report),
    );
  });

  router.get('/v1/audit/ledger', async (req: Request, res: Response) => {
    refuseUnknownParameters(req.query, [...Object.keys(ledgerQuerySchema.shape), 'format']);
    const query = parseQuery(ledgerQuerySchema, req.query);
    const format = parseQuery(formatSchema, req.query.format, ['format']);
    await audited(deps, res, 'export', queryTarget(req.query), 'api');
    const start = query.from === undefined ? '-' : String(Date.parse(query.from));
    const end = query.to === undefined ? '+' : String(Date.parse(query.to) - 1);
    const entries: LedgerEntry[] = [];
    const allowed = requestPrincipal(res).practices;
    for await (const entry of deps.ledger.scan(start, end)) {
      if ((query.type === undefined || entry.type === query.type) && entryInPractices(entry.fields, allowed)) {
        entries.push(entry);
      }
      if (entries.length >= LEDGER_EXPORT_LIMIT) {
        break;
      }
    }
    send(
      res,
      format,
      'ledger',
      { entries: entries.map(entryView) },
      () => ledgerCsv(entries),
      () => ledgerNdjson(entries),
    );
  });

  router.get('/v1/audit/audit-events', async (req: Request, res: Response) => {
    refuseUnknownParameters(req.query, Object.keys(auditEventQuerySchema.shape));
    const query = parseQuery(auditEventQuerySchema, req.query);
    await audited(deps, res, 'export', { ...queryTarget(req.query), format: 'fhir' }, 'api');
    const start = query.from === undefined ? '-' : String(query.from.getTime());
    const end = query.to === undefined ? '+' : String(query.to.getTime() - 1);
    const entries: LedgerEntry[] = [];
    const allowed = requestPrincipal(res).practices;
    for await (const entry of deps.ledger.scan(start, end)) {
      if (isDeliveryEntry(entry, query.practice) && entryInPractices(entry.fields, allowed)) {
        entries.push(entry);
      }
      if (entries.length >= LEDGER_EXPORT_LIMIT) {
        break;
      }
    }
    const site = auditEventSite({
      version: deps.version,
      address: deps.http.publicUrl ?? hostname(),
      endpoints: deps.endpoints,
    });
    const bundle = await auditEventExport(deps.ledger, entries, site, deps.now());
    res.type('application/fhir+json').send(JSON.stringify(bundle));
  });

  router.get('/v1/audit/verify', async (req: Request, res: Response) => {
    refuseUnknownParameters(req.query, []);
    await audited(deps, res, 'verify', {}, 'api');
    res.json(await verifyLedger(deps.ledger, deps.now()));
  });

  return router;
}
