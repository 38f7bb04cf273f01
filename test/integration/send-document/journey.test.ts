/**
 * The GP Connect Send Document route end to end, against real Redis, the real sandbox EHR and the real MESH
 * sandbox over HTTP: a closure puts the episode PDF in the practice's mailbox and its ITK3 infrastructure and
 * business acknowledgements deliver it; a refusal fails it with the practice's reason and a replay after the
 * practice accepts sends the same ITK3 message again; a silent practice is sent to again once, then the document
 * fails with the timeout as its reason.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EpisodeDocumentRecord } from '../../../src/store/episode-documents';
import { replayDocument } from '../../../src/app/replay-document';
import type { TestAdapter } from '../../support/adapter';
import { FAST_RETRY, postJson, startTestAdapter } from '../../support/adapter';
import { journeyBody } from '../../support/fixtures';

const PRACTICE_MAILBOX = 'A81001';
const NAMED = { nhsNumber: '9990000018', name: { given: 'Ada', family: 'Example' }, birthDate: '1952-04-11' };

/** The quick-connection journey's referral and closure under another record id, with the routing demographics. */
function journey(recordId: string): { referral: unknown; closure: unknown } {
  const named = (file: string): unknown => {
    const body = journeyBody(file) as { source: Record<string, unknown>; patient: unknown };
    return { ...body, source: { ...body.source, recordId }, patient: NAMED };
  };
  return {
    referral: named('a-quick-connection/01-referral.json'),
    closure: named('a-quick-connection/04-closure.json'),
  };
}

let adapter: TestAdapter;

beforeAll(async () => {
  adapter = await startTestAdapter({
    name: 'send-document',
    config: {
      sandbox: { port: 0, meshPort: 0 },
      endpoints: [
        {
          id: 'sandbox',
          baseUrl: 'sandbox',
          practices: ['*'],
          retry: FAST_RETRY,
          routes: ['fhir', 'mesh-send-document'],
          mesh: { mailbox: 'SPFHIR001', pollIntervalMs: 250, ackTimeoutMs: 1500, ackTimeoutResends: 1 },
        },
      ],
    },
  });
}, 30_000);

afterAll(async () => {
  await adapter.close();
});

function mesh(): NonNullable<TestAdapter['meshSandbox']> {
  if (adapter.meshSandbox === undefined) {
    throw new Error('the MESH sandbox did not start');
  }
  return adapter.meshSandbox;
}

async function post(kind: string, body: unknown): Promise<void> {
  const answer = await postJson(`${adapter.apiUrl}/v1/${kind}`, body);
  expect(answer.status).toBe(202);
}

async function documentOf(recordId: string): Promise<EpisodeDocumentRecord | undefined> {
  return (await adapter.services.documents.list()).find((d) => d.referralId === recordId);
}

async function until(
  recordId: string,
  done: (d: EpisodeDocumentRecord) => boolean,
  timeoutMs = 15_000,
): Promise<EpisodeDocumentRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const document = await documentOf(recordId);
    if (document !== undefined && done(document)) {
      return document;
    }
    if (Date.now() > deadline) {
      throw new Error(`document of ${recordId} is ${JSON.stringify(document)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The reports the practice's mailbox received for one document, with their ITK3 MessageHeader ids. */
function reportsOf(documentId: string): { messageId: string; header: string; pdf: Buffer }[] {
  return mesh()
    .received(PRACTICE_MAILBOX)
    .filter((m) => m.workflowId === 'GPFED_CONSULT_REPORT' && m.localId?.startsWith(documentId) === true)
    .map((m) => {
      const bundle = JSON.parse(m.body.toString('utf8')) as {
        entry: {
          resource: {
            resourceType: string;
            id: string;
            entry?: { resource: { resourceType: string; content?: string } }[];
          };
        }[];
      };
      const header = bundle.entry[0]?.resource.id ?? '';
      const binary = bundle.entry
        .flatMap((e) => e.resource.entry ?? [])
        .find((e) => e.resource.resourceType === 'Binary');
      return { messageId: m.messageId, header, pdf: Buffer.from(binary?.resource.content ?? '', 'base64') };
    });
}

async function eventTypes(documentId: string): Promise<string[]> {
  return (await adapter.services.ledger.timeline(documentId)).map((e) => e.event?.type ?? '?');
}

/**
 * A delivered document's ledger entries, by name (`document-acknowledged` with its kind), in ledger order. Only
 * some of their order is guaranteed: the request comes first (nothing is sent before it) and the business
 * acknowledgement's entry is written before the step that delivers. The practice may answer before the worker has
 * recorded its send (`document-sent` after the acknowledgements, or even after `document-delivered`: see
 * docs/mesh.md, "Crash mid-send"), and the two acknowledgements are recorded in the order the inbox gives them.
 */
async function deliveredTimeline(documentId: string): Promise<string[]> {
  return (await adapter.services.ledger.timeline(documentId)).map((e) =>
    e.event?.type === 'document-acknowledged' ? `document-acknowledged:${e.event.kind}` : (e.event?.type ?? '?'),
  );
}

describe('the Send Document route', () => {
  it('delivers the episode PDF on closure once the practice acknowledges it', async () => {
    const { referral, closure } = journey('SD-ACCEPT');
    await post('referrals', referral);
    await post('referrals', closure);
    const document = await until('SD-ACCEPT', (d) => d.status === 'delivered');
    expect(document).toMatchObject({
      version: 1,
      infrastructureAck: '20013',
      businessAck: '30001',
      milestone: 'closure',
    });
    const reports = reportsOf(document.id);
    expect(reports).toHaveLength(1);
    expect(reports[0]?.header).toBe(document.itkMessageId);
    expect(reports[0]?.pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const timeline = await deliveredTimeline(document.id);
    // Each entry exactly once, whatever the order the practice's answers and the worker's record of the send took.
    expect([...timeline].sort()).toEqual([
      'document-acknowledged:business',
      'document-acknowledged:infrastructure',
      'document-delivered',
      'document-requested',
      'document-sent',
    ]);
    // The order that is guaranteed: asked for first, and the business acknowledgement before the delivery it causes.
    expect(timeline[0]).toBe('document-requested');
    expect(timeline.indexOf('document-acknowledged:business')).toBeLessThan(timeline.indexOf('document-delivered'));
    // The acknowledgements were read and removed from the adapter's inbox.
    expect(
      mesh()
        .received('SPFHIR001')
        .every((m) => m.acknowledged),
    ).toBe(true);
  }, 30_000);

  it("delivers the README's walk-through: examples/referral.json, then examples/referral-closure.json", async () => {
    const example = (file: string): unknown =>
      JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'examples', file), 'utf8')) as unknown;
    await post('referrals', example('referral.json'));
    await post('referrals', example('referral-closure.json'));
    const document = await until('REF-1001', (d) => d.status === 'delivered');
    expect(reportsOf(document.id)).toHaveLength(1);
  }, 30_000);

  it('fails a refused document with the reason, and a replay sends the same ITK3 message', async () => {
    mesh().setPractice(PRACTICE_MAILBOX, {
      mode: 'reject',
      reason: { code: '30002', text: 'Patient not registered here' },
    });
    const { referral, closure } = journey('SD-REJECT');
    await post('referrals', referral);
    await post('referrals', closure);
    const failed = await until('SD-REJECT', (d) => d.status === 'failed');
    expect(failed.lastError).toContain('30002');
    expect(failed.lastError).toContain('Patient not registered here');

    mesh().setPractice(PRACTICE_MAILBOX, { mode: 'accept' });
    expect(
      await replayDocument({ documents: adapter.services.documents, now: () => new Date() }, failed.id, 'test'),
    ).toMatchObject({
      ok: true,
      version: 1,
      sendNo: 2,
    });
    const delivered = await until('SD-REJECT', (d) => d.status === 'delivered');
    const reports = reportsOf(delivered.id);
    expect(reports).toHaveLength(2);
    expect(new Set(reports.map((r) => r.header))).toEqual(new Set([failed.itkMessageId]));
    expect(new Set(reports.map((r) => r.messageId)).size).toBe(2);
    expect(await eventTypes(delivered.id)).toContain('document-replayed');
  }, 30_000);

  it('sends again once to a silent practice, then fails with the timeout as the reason', async () => {
    mesh().setPractice(PRACTICE_MAILBOX, { mode: 'silent' });
    const { referral, closure } = journey('SD-SILENT');
    await post('referrals', referral);
    await post('referrals', closure);
    const failed = await until('SD-SILENT', (d) => d.status === 'failed', 20_000);
    expect(failed.lastError).toBe('no business acknowledgement within 1500 ms of sending');
    const reports = reportsOf(failed.id);
    expect(reports).toHaveLength(2);
    expect(new Set(reports.map((r) => r.header)).size).toBe(1);
    mesh().setPractice(PRACTICE_MAILBOX, { mode: 'accept' });
  }, 30_000);
});
