/**
 * The Send Document route under faults, as real processes: the compiled adapter (one API, two workers) against a
 * private redis-server with AOF, sending episode documents over the real MESH sandbox's HTTP API through a
 * fault-injecting proxy. MESH answers 503 and then refuses connections for a while; both workers are killed with
 * SIGKILL while MESH holds sends whose answer never came; one practice refuses documents (a negative business
 * acknowledgement, replayed by an operator over HTTP once the practice accepts again); one practice is silent
 * for the first send only, another until the document fails with the timeout (replayed too). Afterwards every
 * document must be delivered, none stuck, and each practice must hold each document version exactly as many
 * times as it was sent (one MESH message per send, one positive business acknowledgement per document).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { parseItk3Acknowledgement } from '../../src/mapping/itk3';
import type { RunningSandbox } from '../../src/sandbox';
import { SANDBOX_PATIENTS, startSandbox } from '../../src/sandbox';
import type { PracticeSetting, ReceivedMessage, RunningMeshSandbox } from '../../src/sandbox/mesh';
import { startMeshSandbox } from '../../src/sandbox/mesh';
import { MESH_SANDBOX_SHARED_KEY, itk3PracticeAcks, meshSandboxPassword } from '../../src/runtime/mesh-sandbox';
import type { EpisodeDocumentRecord } from '../../src/store/episode-documents';
import { EpisodeDocumentStore, episodeDocumentId } from '../../src/store/episode-documents';
import { AuditLedger } from '../../src/store/ledger';
import { messageKeys } from '../../src/store/keys';
import { eventually, getJson, postJson } from '../support/adapter';
import { journeyBody } from '../support/fixtures';
import type { PrivateRedis } from '../support/private-redis';
import { DURABLE_REDIS_ARGS, createPrivateRedis, freePort } from '../support/private-redis';
import type { FaultProxy } from './fault-proxy';
import { startFaultProxy } from './fault-proxy';
import { AdapterProcess, buildAdapter } from './processes';

jest.setTimeout(600_000);

const PREFIX = 'meshfaults';
const ENDPOINT = 'gp';
const ADAPTER_MAILBOX = 'SPFHIR001';
const ACK_TIMEOUT_MS = 6000;
const SOURCE_SYSTEM = 'https://casebook.example.org';

/** How each receiving practice behaves, and so how many sends each of its documents needs. */
const PRACTICES = {
  /** Accepts throughout; its documents meet the MESH outage and the killed workers. */
  steady: 'A81001',
  /** Refuses (negative business acknowledgement) until the test lets it accept, then its documents are replayed. */
  refusing: 'R82001',
  /** Silent for the first send; accepts the resend the timeout brings. */
  late: 'S83001',
  /** Silent until the documents fail with the timeout; accepts the replay. */
  mute: 'S83002',
} as const;
type Group = keyof typeof PRACTICES;

/** The sends each group's documents take: the first, plus the replay or the resend after silence. */
const EXPECTED_SENDS: Readonly<Record<Group, number>> = { steady: 1, refusing: 2, late: 2, mute: 3 };

/** Which sandbox patients are registered, for MESH automated routing, with which practice. */
const PATIENTS_OF: Readonly<Record<Group, readonly number[]>> = {
  steady: [0, 1, 2, 6],
  refusing: [3],
  late: [4],
  mute: [5],
};

function progress(text: string): void {
  if (process.env.FAULTS_VERBOSE !== undefined) {
    process.stderr.write(`[mesh-faults] ${text}\n`);
  }
}

const sleep = async (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

interface Planned {
  readonly group: Group;
  readonly recordId: string;
  readonly documentId: string;
  readonly referral: unknown;
  readonly closure: unknown;
}

/** `count` referrals for a group, each closed at once (closure sends the document), spread over its patients. */
function plan(group: Group, count: number, tag: string): Planned[] {
  return Array.from({ length: count }, (_, index) => {
    const patients = PATIENTS_OF[group];
    const patient = SANDBOX_PATIENTS[patients[index % patients.length] ?? 0];
    if (patient === undefined) {
      throw new Error('no such sandbox patient');
    }
    const recordId = `MF-${tag}-${String(index)}`;
    const named = (file: string): unknown => {
      const body = journeyBody(file) as { source: Record<string, unknown>; gpPractice: unknown };
      return {
        ...body,
        source: { ...body.source, recordId },
        patient: {
          nhsNumber: patient.nhsNumber,
          name: { given: patient.given, family: patient.family },
          birthDate: patient.birthDate,
        },
        gpPractice: { odsCode: patient.practiceOdsCode },
      };
    };
    return {
      group,
      recordId,
      documentId: episodeDocumentId(ENDPOINT, SOURCE_SYSTEM, recordId),
      referral: named('a-quick-connection/01-referral.json'),
      closure: named('a-quick-connection/04-closure.json'),
    };
  });
}

/** Posts until the API answers 202 (it is never expected to refuse these). */
async function submit(apiUrl: string, body: unknown): Promise<void> {
  for (;;) {
    const answer = await postJson(`${apiUrl}/v1/referrals`, body).catch(() => undefined);
    if (answer?.status === 202) {
      return;
    }
    if (answer !== undefined && answer.status !== 503) {
      throw new Error(`the API answered ${String(answer.status)}: ${JSON.stringify(answer.body)}`);
    }
    await sleep(250);
  }
}

async function submitAll(apiUrl: string, planned: readonly Planned[]): Promise<void> {
  // The referral before its closure: intake refuses a version 2 status change it cannot judge otherwise.
  await Promise.all(
    planned.map(async (p) => {
      await submit(apiUrl, p.referral);
      await submit(apiUrl, p.closure);
    }),
  );
}

const started: {
  work?: string;
  build?: string;
  redis?: PrivateRedis;
  ehr?: RunningSandbox;
  mesh?: RunningMeshSandbox;
  proxy?: FaultProxy;
  client?: Redis;
  processes: AdapterProcess[];
} = { processes: [] };

interface Harness {
  readonly api: AdapterProcess;
  readonly workers: readonly [AdapterProcess, AdapterProcess];
  readonly apiUrl: string;
  readonly mesh: RunningMeshSandbox;
  readonly proxy: FaultProxy;
  readonly documents: EpisodeDocumentStore;
  readonly ledger: AuditLedger;
}
let harness: Harness | undefined;

beforeAll(async () => {
  const work = mkdtempSync(join(tmpdir(), 'spfa-mesh-faults-'));
  started.work = work;
  const [main, apiPort] = await Promise.all([buildAdapter(), freePort()]);
  started.build = join(main, '..', '..');
  progress(`built ${main}`);
  const redis = await createPrivateRedis({ args: DURABLE_REDIS_ARGS, dir: join(work, 'redis') });
  started.redis = redis;
  const ehr = await startSandbox({ port: 0 });
  started.ehr = ehr;
  const practiceOf = (index: number): string =>
    (Object.keys(PATIENTS_OF) as Group[]).map((g) => (PATIENTS_OF[g].includes(index) ? PRACTICES[g] : '')).join('');
  const mailboxes = [ADAPTER_MAILBOX, ...Object.values(PRACTICES)];
  const accept: PracticeSetting = { mode: 'accept' };
  const mesh = await startMeshSandbox({
    sharedKey: MESH_SANDBOX_SHARED_KEY,
    mailboxes: mailboxes.map((id) => ({ id, password: meshSandboxPassword(id) })),
    practices: Object.fromEntries(Object.values(PRACTICES).map((ods) => [ods, accept])),
    registeredPatients: SANDBOX_PATIENTS.map((p, index) => ({
      nhsNumber: p.nhsNumber,
      practice: practiceOf(index),
      surname: p.family,
    })),
    ackProducer: itk3PracticeAcks,
  });
  started.mesh = mesh;
  const proxy = await startFaultProxy(mesh.url, 1);
  started.proxy = proxy;
  const retry = { baseDelayMs: 250, maxDelayMs: 2000, maxAgeMs: 30 * 60_000, requestTimeoutMs: 3000 };
  const config = {
    http: { host: '127.0.0.1', port: apiPort },
    redis: { url: redis.url, prefix: PREFIX },
    // The workers reach "the embedded MESH sandbox" at its configured address, which is the proxy in front of it.
    sandbox: { enabled: false, host: '127.0.0.1', meshPort: Number(new URL(proxy.baseUrl).port) },
    endpoints: [
      {
        id: ENDPOINT,
        baseUrl: ehr.baseUrl,
        practices: ['*'],
        retry,
        routes: ['fhir', 'mesh-send-document'],
        mesh: {
          baseUrl: 'sandbox',
          mailbox: ADAPTER_MAILBOX,
          pollIntervalMs: 300,
          ackTimeoutMs: ACK_TIMEOUT_MS,
          ackTimeoutResends: 1,
          // Long enough that a held send is still waiting when its worker is killed.
          requestTimeoutMs: 60_000,
        },
      },
    ],
    worker: { outboxSweepMs: 1000, lockDurationMs: 5000, stalledIntervalMs: 3000, shutdownGraceMs: 10_000 },
    log: { level: 'info' },
  };
  const configFile = join(work, 'config.json');
  writeFileSync(configFile, JSON.stringify(config));
  const env = { CONFIG_FILE: configFile };
  const api = new AdapterProcess(main, 'api', env, work, 'api');
  const workers = [
    new AdapterProcess(main, 'worker', env, work, 'worker-1'),
    new AdapterProcess(main, 'worker', env, work, 'worker-2'),
  ] as const;
  started.processes.push(api, ...workers);
  await Promise.all([api.start('API listening'), ...workers.map(async (w) => w.start('send document route started'))]);
  progress('adapter processes started');
  const client = new Redis(redis.url, { maxRetriesPerRequest: 3 });
  started.client = client;
  harness = {
    api,
    workers,
    apiUrl: `http://127.0.0.1:${String(apiPort)}`,
    mesh,
    proxy,
    documents: new EpisodeDocumentStore(client, messageKeys(PREFIX)),
    ledger: new AuditLedger(client, messageKeys(PREFIX)),
  };
});

afterAll(async () => {
  await Promise.all(started.processes.map(async (p) => p.kill('SIGKILL')));
  await started.client?.quit();
  await started.proxy?.close();
  await started.mesh?.close();
  await started.ehr?.close();
  await started.redis?.kill();
  for (const dir of [started.work, started.build]) {
    if (dir !== undefined) {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('no episode document is lost, sent twice or left stuck whatever MESH, the practices or the workers do', async () => {
  if (harness === undefined) {
    throw new Error('the fault harness did not start');
  }
  const { apiUrl, mesh, proxy, documents, ledger, workers } = harness;
  const startedAt = Date.now();
  const faultLog: string[] = [];
  const note = (what: string): void => {
    faultLog.push(`${((Date.now() - startedAt) / 1000).toFixed(1)}s ${what}`);
    progress(what);
  };
  const documentsOf = async (planned: readonly Planned[]): Promise<(EpisodeDocumentRecord | undefined)[]> =>
    Promise.all(planned.map(async (p) => documents.get(p.documentId)));
  const allReach = async (
    planned: readonly Planned[],
    done: (d: EpisodeDocumentRecord) => boolean,
    what: string,
    timeoutMs = 120_000,
  ): Promise<void> => {
    try {
      await eventually(
        async () => ((await documentsOf(planned)).every((d) => d !== undefined && done(d)) ? true : undefined),
        timeoutMs,
        what,
      );
    } catch (error) {
      // Say where each document got to, and what the workers said, so a failure can be read from its output.
      const states = (await documentsOf(planned)).map((d, i) =>
        d === undefined
          ? `${planned[i]?.recordId ?? '?'}: no document`
          : `${d.referralId}: ${d.status} v${String(d.version)} s${String(d.sendNo)} a${String(d.attempts)} ${d.lastError ?? ''}`,
      );
      process.stderr.write(`${states.join('\n')}\n${workers.map((w) => `${w.name}:\n${w.tail()}`).join('\n')}\n`);
      throw error;
    }
  };

  // 1. MESH unavailable: 503s, then no server at all, while documents are asked for and sent.
  const outage = plan('steady', 8, 'OUT');
  proxy.mode = 'unavailable';
  note('MESH answers 503');
  await submitAll(apiUrl, outage);
  await sleep(4000);
  await proxy.down();
  note('MESH refuses connections');
  await sleep(5000);
  await proxy.up();
  proxy.mode = 'pass';
  note('MESH back');
  await allReach(outage, (d) => d.status === 'delivered', 'the outage documents to be delivered');
  note('outage documents delivered');

  // 2. Both workers killed while MESH holds their sends: MESH took the message, the worker never heard back.
  const crash = plan('steady', 4, 'KILL');
  proxy.mode = 'hold-post-response';
  const heldBefore = proxy.lostWrites;
  await submitAll(apiUrl, crash);
  await eventually(
    async () => Promise.resolve(proxy.lostWrites > heldBefore ? true : undefined),
    60_000,
    'a send to be held',
  );
  // Give the second worker a moment to start a send of its own.
  await sleep(1500);
  const held = proxy.lostWrites - heldBefore;
  // The documents whose sends MESH took and never answered: their MESH local id is <document>.v<version>.s<send>.
  const heldDocuments = new Set(
    proxy.lostWriteHeaders.slice(heldBefore).map((headers) => (headers['mex-localid'] ?? '').split('.')[0]),
  );
  await Promise.all(workers.map(async (w) => w.kill('SIGKILL')));
  note(`both workers SIGKILL with ${String(held)} sends held by MESH`);
  proxy.mode = 'pass';
  await Promise.all(workers.map(async (w) => w.start('send document route started')));
  note('workers restarted');
  await allReach(crash, (d) => d.status === 'delivered', 'the documents of the killed sends to be delivered');
  note('killed sends delivered');

  // 3. A practice that refuses: failed with its reason, replayed by an operator once it accepts.
  mesh.setPractice(PRACTICES.refusing, { mode: 'reject', reason: { code: '30002', text: 'Patient not known here' } });
  const refused = plan('refusing', 3, 'REF');
  await submitAll(apiUrl, refused);
  await allReach(refused, (d) => d.status === 'failed', 'the refused documents to fail');
  for (const d of await documentsOf(refused)) {
    expect(d?.lastError).toContain('30002');
    expect(d?.lastError).toContain('Patient not known here');
  }
  note('refused documents failed with the practice’s reason');
  mesh.setPractice(PRACTICES.refusing, { mode: 'accept' });
  for (const p of refused) {
    const answer = await postJson(`${apiUrl}/v1/admin/documents/${p.documentId}/replay`, {});
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ documentId: p.documentId, status: 'pending', version: 1, sendNo: 2 });
  }
  note('refused documents replayed over HTTP');

  // 4. Silent practices: one answers the resend, the other stays silent until its documents fail.
  mesh.setPractice(PRACTICES.late, { mode: 'silent' });
  mesh.setPractice(PRACTICES.mute, { mode: 'silent' });
  const late = plan('late', 3, 'LATE');
  const mute = plan('mute', 3, 'MUTE');
  await submitAll(apiUrl, late);
  await allReach(late, (d) => d.status === 'awaiting-ack' && d.sendNo === 1, 'the first sends to the late practice');
  mesh.setPractice(PRACTICES.late, { mode: 'accept' });
  note('late practice answers from now on');
  await submitAll(apiUrl, mute);
  await allReach(mute, (d) => d.status === 'failed', 'the documents of the silent practice to fail with the timeout');
  for (const d of await documentsOf(mute)) {
    expect(d?.lastError).toBe(`no business acknowledgement within ${String(ACK_TIMEOUT_MS)} ms of sending`);
    expect(d?.sendNo).toBe(2);
  }
  mesh.setPractice(PRACTICES.mute, { mode: 'accept' });
  note('silent documents failed; the practice answers from now on');
  const bulk = await postJson(`${apiUrl}/v1/admin/documents/replay`, { practice: 'B82005' });
  expect(bulk.status).toBe(202);
  expect(bulk.body).toMatchObject({ replayed: mute.length });

  const everything = [...outage, ...crash, ...refused, ...late, ...mute];
  await allReach(everything, (d) => d.status === 'delivered', 'every document to be delivered');
  note('every document delivered');
  // Nothing is left in flight, and nothing more arrives once everything settled.
  await sleep(2 * ACK_TIMEOUT_MS);
  const stuck = (
    await Promise.all(
      (['pending', 'sending', 'awaiting-ack', 'failed'] as const).map((s) => documents.countByStatus(s)),
    )
  ).reduce((a, b) => a + b, 0);

  // What each practice received, and what it answered, read from the MESH sandbox itself.
  const reportsOf = (practice: string): ReceivedMessage[] =>
    mesh.received(practice).filter((m) => m.workflowId === 'GPFED_CONSULT_REPORT');
  const headerOf = (m: ReceivedMessage): string =>
    (JSON.parse(m.body.toString('utf8')) as { entry: { resource: { id: string } }[] }).entry[0]?.resource.id ?? '';
  const positiveBusinessAcks = new Map<string, number>();
  for (const m of mesh.received(ADAPTER_MAILBOX)) {
    const parsed = parseItk3Acknowledgement(m.body);
    if (parsed.ok && parsed.acknowledgement.kind === 'business' && parsed.acknowledgement.positive) {
      const id = parsed.acknowledgement.inResponseTo;
      positiveBusinessAcks.set(id, (positiveBusinessAcks.get(id) ?? 0) + 1);
    }
  }
  let lost = 0;
  let duplicated = 0;
  let adopted = 0;
  let settledBeforeRecorded = 0;
  const wrongSends: string[] = [];
  for (const p of everything) {
    const document = await documents.get(p.documentId);
    if (document?.status !== 'delivered' || document.itkMessageId === undefined) {
      lost += 1;
      continue;
    }
    const reports = reportsOf(PRACTICES[p.group]).filter((m) => m.localId?.startsWith(`${p.documentId}.`) === true);
    // One MESH message per send number, all of them the one ITK3 message of version 1.
    const localIds = new Set(reports.map((m) => m.localId));
    duplicated += reports.length - localIds.size;
    duplicated += Math.max(0, new Set(reports.map(headerOf)).size - 1);
    if (reports.length !== EXPECTED_SENDS[p.group] || document.sendNo !== EXPECTED_SENDS[p.group]) {
      wrongSends.push(`${p.recordId}: ${String(reports.length)} reports, sendNo ${String(document.sendNo)}`);
    }
    // The practice filed it exactly once.
    const acks = positiveBusinessAcks.get(document.itkMessageId) ?? 0;
    if (acks === 0) lost += 1;
    if (acks > 1) duplicated += acks - 1;
    if (heldDocuments.has(p.documentId)) {
      const timeline = await ledger.timeline(p.documentId);
      const types = timeline.map((e) => e.event?.type);
      if (timeline.some((e) => e.event?.type === 'document-sent' && e.fields.adopted === 'true')) {
        adopted += 1;
      } else if (
        !types.includes('document-sent') ||
        types.indexOf('document-delivered') < types.indexOf('document-sent')
      ) {
        // Delivered by the practice's answer before the send was recorded: its worker was waiting for MESH.
        settledBeforeRecorded += 1;
      }
    }
  }
  const attemptsFailed = (await Promise.all(outage.map(async (p) => ledger.timeline(p.documentId))))
    .flat()
    .filter((e) => e.event?.type === 'document-attempt-failed');

  const summary = `mesh faults: ${String(everything.length)} documents, ${String(lost)} lost, ${String(duplicated)} duplicated, ${String(stuck)} stuck, ${String(held)} sends held when the workers were killed (${String(adopted)} adopted on resuming, ${String(settledBeforeRecorded)} settled by the practice's answer first), ${String(attemptsFailed.length)} failed attempts during the outage`;
  process.stdout.write(
    `${summary}\n  ${faultLog.join('\n  ')}\n  proxy requests by mode: ${JSON.stringify(proxy.seen)}\n`,
  );
  expect({ lost, duplicated, stuck, wrongSends }).toEqual({ lost: 0, duplicated: 0, stuck: 0, wrongSends: [] });
  // Every fault really happened: the outage failed attempts (503 and no answer), and sends were held when the
  // workers died.
  expect(attemptsFailed.some((e) => e.fields.httpStatus === '503')).toBe(true);
  expect(attemptsFailed.some((e) => e.fields.httpStatus === undefined)).toBe(true);
  expect(held).toBeGreaterThan(0);
  // Each send MESH took from a worker that was then killed was settled once, either by the practice's answer
  // (recorded before or instead of the send) or by the resumed send finding MESH's message and adopting it.
  expect(heldDocuments.size).toBe(held);
  expect(adopted + settledBeforeRecorded).toBe(held);
  // The reconciliation agrees, practice by practice (a document belongs to its referral's GP practice).
  const day = (offset: number): string => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  const totals = { requested: 0, delivered: 0, failed: 0, pending: 0, 'awaiting-ack': 0, replayed: 0 };
  for (const practice of new Set(SANDBOX_PATIENTS.map((p) => p.practiceOdsCode))) {
    const query = new URLSearchParams({ practice, from: day(-1), to: day(1) }).toString();
    const { body } = await getJson(`${apiUrl}/v1/audit/reconciliation?${query}`);
    const counts = (body.documents as { counts: Record<keyof typeof totals, number> }).counts;
    for (const key of Object.keys(totals) as (keyof typeof totals)[]) {
      totals[key] += counts[key];
    }
  }
  expect(totals).toEqual({
    requested: everything.length,
    delivered: everything.length,
    failed: 0,
    pending: 0,
    'awaiting-ack': 0,
    replayed: refused.length + mute.length,
  });
  // The replays name who asked (the open local API's client).
  const replayed = (await ledger.timeline(refused[0]?.documentId ?? '')).filter(
    (e) => e.event?.type === 'document-replayed',
  );
  expect(replayed).toHaveLength(1);
  expect(replayed[0]?.fields.by).toBeTruthy();
});
