/**
 * The auditor dashboard, server-rendered: the messages list with filters, a message's timeline (and, for a
 * referral sent as an episode document over MESH, the document's state and timeline), the reconciliation page per
 * practice and period with its episode documents, and the ledger verification status. It reads through the same
 * audit functions as the API, and every page view is recorded as `audit-access` (channel "dashboard").
 */
import { dirname, join } from 'node:path';
import type { Request, Response, Router } from 'express';
import express from 'express';
import type { DocumentFate, ReconciliationReport } from '../../audit/reconcile';
import { documentFateOf, reconcile } from '../../audit/reconcile';
import { episodeDocumentId } from '../../store/episode-documents';
import { rejectionReasonText } from '../../audit/exports';
import type { SearchResult } from '../../audit/search';
import { MessageSearch } from '../../audit/search';
import { verifyLedger } from '../../audit/verify';
import { MESSAGE_STATUSES } from '../../messages/record';
import { permits } from '../../config/client-scope';
import { requestPrincipal } from '../auth';
import { HttpError, httpError } from '../errors';
import type { AuditRouteDeps } from '../routes/audit';
import { audited } from '../routes/audit';
import { messageQuery, queryTarget, reconciliationQuery } from '../routes/audit-query';
import { withinPractices } from '../routes/practice-scope';
import type { Html } from './html';
import { errorSummary, html, page, summaryList, table, textInput } from './html';

const NHSUK_DIST = join(dirname(require.resolve('nhsuk-frontend/package.json')), 'dist', 'nhsuk');

function problemsOf(error: unknown): { text: string; field?: string }[] {
  // A query outside the auditor's practices (403) is shown on the form like a bad one.
  if (error instanceof HttpError && (error.status === 400 || error.status === 403)) {
    return error.outcome.issue.map((i) => ({
      text: i.details?.text ?? 'invalid value',
      ...(i.expression?.[0] !== undefined ? { field: i.expression[0] } : {}),
    }));
  }
  throw error;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function statusTag(status: string): Html {
  const colour: Record<string, string> = {
    delivered: 'green',
    failed: 'red',
    superseded: 'grey',
    queued: 'blue',
    pending: 'blue',
  };
  return html`<strong class="nhsuk-tag nhsuk-tag--${colour[status] ?? 'yellow'}">${status}</strong>`;
}

function messagesTable(result: SearchResult, query: Record<string, string>): Html {
  const pages = Math.max(1, Math.ceil(result.total / result.pageSize));
  const link = (p: number): string => `/audit?${new URLSearchParams({ ...query, page: String(p) }).toString()}`;
  return html`<p class="nhsuk-body" id="result-count">
      ${result.total} messages found (page ${result.page} of ${pages})
    </p>
    ${table({
      caption: 'Messages, newest first',
      describedBy: 'result-count',
      headers: ['Received', 'Message', 'Kind', 'Practice', 'Source record', 'Status', 'Last error'],
      rows: result.items.map((m) => [
        m.receivedAt,
        html`<a href="/audit/messages/${m.messageId}">${m.messageId}</a>`,
        m.kind,
        m.practice,
        `${m.recordId} v${m.recordVersion}`,
        statusTag(m.status),
        m.lastError ?? '',
      ]),
    })}
    <nav class="nhsuk-pagination" role="navigation" aria-label="Pagination">
      <ul class="nhsuk-list nhsuk-pagination__list">
        ${result.page > 1 ? html`<li class="nhsuk-pagination-item--previous"><a class="nhsuk-pagination__link nhsuk-pagination__link--prev" href="${link(result.page - 1)}">Previous page</a></li>` : ''}
        ${result.page < pages ? html`<li class="nhsuk-pagination-item--next"><a class="nhsuk-pagination__link nhsuk-pagination__link--next" href="${link(result.page + 1)}">Next page</a></li>` : ''}
      </ul>
    </nav>`;
}

function reconciliationView(report: ReconciliationReport): Html {
  const c = report.counts;
  const row = (label: string, value: number): Html =>
    html`<div class="nhsuk-summary-list__row">
      <dt class="nhsuk-summary-list__key">${label}</dt>
      <dd class="nhsuk-summary-list__value" data-count="${label.toLowerCase()}">${value}</dd>
    </div>`;
  return html`<h2 class="nhsuk-heading-m">Practice ${report.practice}: ${report.from} to ${report.to}</h2>
    <dl class="nhsuk-summary-list" id="counts">
      ${row('Received', c.received)}${row('Delivered', c.delivered)}${row('Failed', c.failed)}${row('Pending', c.pending)}${row('Superseded', c.superseded)}${row('Replayed', c.replayed)}${row('Rejected', c.rejected)}
    </dl>
    <h2 class="nhsuk-heading-m">Not delivered (${report.undelivered.length})</h2>
    ${
      report.undelivered.length === 0
        ? html`<p class="nhsuk-body">Every message received in this period reached the GP record.</p>`
        : table({
            id: 'undelivered',
            caption: 'Messages not delivered',
            headers: ['Message', 'State', 'Source record', 'Reason'],
            rows: report.undelivered.map((u) => [
              html`<a href="/audit/messages/${u.messageId}">${u.messageId}</a>`,
              statusTag(u.state),
              `${u.recordId} v${u.recordVersion}`,
              u.reason ?? '',
            ]),
          })
    }
    <h2 class="nhsuk-heading-m">Refused at the API (${report.rejected.length})</h2>
    ${
      report.rejected.length === 0
        ? html`<p class="nhsuk-body">No submission for this practice was refused in this period.</p>`
        : table({
            id: 'rejected',
            caption: 'Submissions refused at the API',
            headers: ['When', 'Kind', 'Source record', 'Reasons'],
            rows: report.rejected.map((r) => [
              r.at,
              r.kind,
              `${r.recordId ?? ''}${r.recordVersion === undefined ? '' : ` v${String(r.recordVersion)}`}`,
              rejectionReasonText(r),
            ]),
          })
    }
    <h2 class="nhsuk-heading-m">Gaps in record versions (${report.gaps.length})</h2>
    ${
      report.gaps.length === 0
        ? html`<p class="nhsuk-body">No gaps: every record's versions arrived in an unbroken sequence.</p>`
        : html`<ul class="nhsuk-list nhsuk-list--bullet" id="gaps">
            ${report.gaps.map(
              (g) =>
                html`<li>
                  ${g.recordId} (${g.sourceSystem}): versions
                  ${g.missing.map((m) => (m.from === m.to ? String(m.from) : `${String(m.from)}–${String(m.to)}`)).join(', ')}
                  never received
                </li>`,
            )}
          </ul>`
    }
    ${documentsSection(report.documents)}`;
}

/** An episode document's state, acknowledgements and steps, as its ledger timeline tells them. */
function documentView(fate: DocumentFate): Html {
  const rows: [string, Html | string][] = [
    ['Document id', fate.documentId],
    ['State', statusTag(fate.state)],
    ['Version', String(fate.version)],
    ['Sends of this version', String(fate.sends)],
    ['Infrastructure acknowledgement', fate.infrastructureAck ?? 'none yet'],
    ['Business acknowledgement', fate.businessAck ?? 'none yet'],
    ['Replayed', fate.replayed === 0 ? 'no' : `${String(fate.replayed)} time${fate.replayed === 1 ? '' : 's'}`],
    ['Last error', fate.reason ?? 'none'],
  ];
  return html`<h2 class="nhsuk-heading-m">Episode document (GP Connect Send Document)</h2>
    ${summaryList(rows, 'episode-document')}
    ${table({
      id: 'document-timeline',
      caption: 'Episode document timeline',
      headers: ['When', 'Step', 'Version', 'Detail'],
      rows: fate.timeline.map((step) => [step.at, step.type, String(step.version), step.detail ?? '']),
    })}`;
}

function documentsSection(documents: ReconciliationReport['documents']): Html {
  const c = documents.counts;
  const row = (label: string, value: number): Html =>
    html`<div class="nhsuk-summary-list__row">
      <dt class="nhsuk-summary-list__key">${label}</dt>
      <dd class="nhsuk-summary-list__value" data-document-count="${label.toLowerCase()}">${value}</dd>
    </div>`;
  return html`<h2 class="nhsuk-heading-m">Episode documents over MESH (${c.requested})</h2>
    <dl class="nhsuk-summary-list" id="document-counts">
      ${row('Requested', c.requested)}${row('Delivered', c.delivered)}${row('Awaiting acknowledgement', c['awaiting-ack'])}${row('Pending', c.pending)}${row('Failed', c.failed)}${row('Replayed', c.replayed)}
    </dl>
    ${
      documents.undelivered.length === 0
        ? html`<p class="nhsuk-body">
            Every episode document asked for in this period was acknowledged by the practice.
          </p>`
        : table({
            id: 'undelivered-documents',
            caption: 'Episode documents not delivered',
            headers: ['Document', 'State', 'Referral', 'Version', 'Reason'],
            rows: documents.undelivered.map((d) => [
              d.documentId,
              statusTag(d.state),
              d.recordId,
              String(d.version),
              d.reason ?? '',
            ]),
          })
    }`;
}

export function dashboardRouter(deps: AuditRouteDeps): Router {
  const router = express.Router();
  const search = new MessageSearch(deps.ledger, deps.patientKey);
  // Static serving answers other methods itself with an empty 405; this one says why, like every other refusal.
  router.use('/audit/assets', (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') {
      next();
      return;
    }
    res.setHeader('Allow', 'GET, HEAD');
    next(httpError('method-not-allowed', { text: 'Dashboard assets are only read (GET or HEAD)' }));
  });
  // Missing or forbidden files become errors (not the next route), answered by the error handler as 404 and 403.
  router.use('/audit/assets', express.static(NHSUK_DIST, { index: false, fallthrough: false }));

  router.get('/audit', async (req: Request, res: Response) => {
    const raw = queryTarget(req.query);
    let body: Html;
    try {
      const query = withinPractices(messageQuery(raw), requestPrincipal(res).practices);
      await audited(deps, res, 'search', raw, 'dashboard');
      body = messagesTable(await search.search(query), raw);
    } catch (error) {
      body = errorSummary(problemsOf(error));
    }
    const status = str(raw.status);
    const form = html`<form method="get" action="/audit" novalidate>
      <div class="nhsuk-grid-row">
        <div class="nhsuk-grid-column-one-half">
          ${textInput('practice', 'GP practice ODS code', raw.practice, 'For example, A81001')}
          ${textInput('recordId', 'Source record id', raw.recordId)}
          ${textInput('nhsNumber', 'NHS number', raw.nhsNumber, 'Searched by a keyed hash; never stored in the ledger')}
          ${textInput('messageId', 'Message id', raw.messageId)}
        </div>
        <div class="nhsuk-grid-column-one-half">
          ${textInput('endpoint', 'Endpoint', raw.endpoint)}
          <div class="nhsuk-form-group">
            <label class="nhsuk-label" for="status">Status</label>
            <select class="nhsuk-select" id="status" name="status">
              <option value="">Any</option>
              ${MESSAGE_STATUSES.map((s) => html`<option value="${s}" ${s === status ? html` selected` : ''}>${s}</option>`)}
            </select>
          </div>
          ${textInput('from', 'Received from', raw.from, 'A date (2025-10-01) or date-time')}
          ${textInput('to', 'Received before', raw.to, 'A date (2025-11-01) or date-time')}
        </div>
      </div>
      <button class="nhsuk-button" data-module="nhsuk-button" type="submit">Search</button>
    </form>`;
    res.type('html').send(page('Messages', '/audit', html`${form}${body}`));
  });

  router.get('/audit/messages/:id', async (req: Request, res: Response) => {
    const id = String(req.params.id);
    const [summary] = /^[0-9a-f-]{36}$/.test(id) ? await search.summaries([id]) : [];
    if (summary === undefined || !permits(requestPrincipal(res).practices, summary.practice)) {
      res
        .status(404)
        .type('html')
        .send(page('Message not found', '', html`<p class="nhsuk-body">No message with id ${id}.</p>`));
      return;
    }
    await audited(deps, res, 'view', { messageId: id }, 'dashboard');
    const timeline = await deps.ledger.timeline(id);
    const document =
      summary.kind === 'referral'
        ? documentFateOf(
            await deps.ledger.timeline(episodeDocumentId(summary.endpoint, summary.sourceSystem, summary.recordId)),
          )
        : undefined;
    const body = html`${summaryList([
        ['Message id', summary.messageId],
        ['Status', summary.status],
        ['Kind', summary.kind],
        ['Practice', summary.practice],
        ['Endpoint', summary.endpoint],
        ['Sent by', summary.client],
        ['Source record', `${summary.sourceSystem} ${summary.recordId} version ${String(summary.recordVersion)}`],
        ['Received', summary.receivedAt],
        ['Attempts', String(summary.attempts)],
        ['Body purged', summary.purgedAt ?? 'no'],
      ])}
      <h2 class="nhsuk-heading-m">Timeline</h2>
      <ol class="nhsuk-list" id="timeline">
        ${timeline.map(
          (e) =>
            html`<li class="nhsuk-card">
              <div class="nhsuk-card__content">
                <h3 class="nhsuk-card__heading nhsuk-heading-s">${e.type}</h3>
                <p class="nhsuk-body-s">Entry ${e.seq} at ${e.fields.at ?? e.id}</p>
                <dl class="nhsuk-summary-list nhsuk-u-margin-bottom-0">
                  ${Object.entries(e.fields)
                    .filter(([k]) => !['type', 'at', 'messageId'].includes(k))
                    .map(
                      ([k, v]) =>
                        html`<div class="nhsuk-summary-list__row">
                          <dt class="nhsuk-summary-list__key">${k}</dt>
                          <dd class="nhsuk-summary-list__value">${v}</dd>
                        </div>`,
                    )}
                </dl>
              </div>
            </li>`,
        )}
      </ol>
      ${document === undefined ? '' : documentView(document)}`;
    res.type('html').send(page(`Message ${summary.recordId} v${String(summary.recordVersion)}`, '', body));
  });

  router.get('/audit/reconciliation', async (req: Request, res: Response) => {
    const raw = queryTarget(req.query);
    let body: Html = html``;
    if (Object.keys(raw).length > 0) {
      try {
        const query = withinPractices(reconciliationQuery(raw), requestPrincipal(res).practices);
        await audited(deps, res, 'reconcile', raw, 'dashboard');
        const report = await reconcile(deps.ledger, query, deps.now());
        const csv = `/v1/audit/reconciliation?${new URLSearchParams({ ...raw, format: 'csv' }).toString()}`;
        body = html`${reconciliationView(report)}
          <p class="nhsuk-body"><a href="${csv}">Download the undelivered list as CSV</a></p>`;
      } catch (error) {
        body = errorSummary(problemsOf(error));
      }
    }
    const form = html`<form method="get" action="/audit/reconciliation" novalidate>
      ${textInput('practice', 'GP practice ODS code', raw.practice, 'For example, A81001')}
      ${textInput('from', 'Period start', raw.from, 'A date, for example 2025-10-01')}
      ${textInput('to', 'Period end (not included)', raw.to, 'A date, for example 2025-11-01')}
      <button class="nhsuk-button" type="submit">Reconcile</button>
    </form>`;
    res.type('html').send(page('Reconciliation', '/audit/reconciliation', html`${form}${body}`));
  });

  router.get('/audit/verify', async (_req: Request, res: Response) => {
    await audited(deps, res, 'verify', {}, 'dashboard');
    const report = await verifyLedger(deps.ledger, deps.now());
    const body = report.ok
      ? html`<div class="nhsuk-inset-text" id="verify-result">
          <p>
            The ledger is intact: ${report.entries} entries verified, head ${report.headHash ?? 'none'}, checked at
            ${report.checkedAt}.
          </p>
        </div>`
      : html`<div class="nhsuk-warning-callout" id="verify-result">
          <h2 class="nhsuk-warning-callout__label">The ledger has been altered</h2>
          <p>
            First broken link: ${report.firstBroken?.reason ?? ''} at entry
            ${report.firstBroken?.seq ?? report.firstBroken?.expectedSeq ?? ''} (${report.firstBroken?.id ?? 'head'}):
            ${report.firstBroken?.detail ?? ''}. Entries 1 to ${report.lastGoodSeq} verify.
          </p>
        </div>`;
    res.type('html').send(page('Ledger verification', '/audit/verify', body));
  });
  return router;
}
