/**
 * Patient data and secrets never reach the logs. The adapter runs at the most verbose level with its log captured
 * while it accepts, rejects, delivers and fails messages carrying names, NHS numbers, birth dates and note text;
 * none of those values, nor the API key, may appear in any log line.
 */
import { Writable } from 'node:stream';
import { createLogger } from '../../src/observability/logger';
import type { TestAdapter } from '../support/adapter';
import { postJson, startTestAdapter, waitForStatus } from '../support/adapter';
import { goalDoc, outcomeNoteDoc, referralDoc } from '../support/fixtures';

const API_KEY = 'link-worker-key-0123456789abcdef';
const lines: string[] = [];
let adapter: TestAdapter;

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  adapter = await startTestAdapter({
    name: 'log-privacy',
    config: { http: { port: 0, apiKeys: { casebook: API_KEY } }, log: { level: 'trace' } },
    logger: createLogger({ level: 'trace', destination: sink }),
  });
});

afterAll(async () => {
  await adapter.close();
});

test('no name, NHS number, birth date, note text or key appears in the log', async () => {
  const auth = { authorization: `Bearer ${API_KEY}` };
  const referral = referralDoc({
    note: 'Private note: lives at 12 Quiet Lane and owes money to a neighbour',
  });
  const accepted = await postJson(`${adapter.apiUrl}/v1/referrals`, referral, auth);
  expect(accepted.status).toBe(202);
  const note = outcomeNoteDoc(referral.source.recordId, { note: 'Talked about the funeral of her sister Margot' });
  const goal = goalDoc(referral.source.recordId, { description: 'Walk to the allotment with Bernard on Sundays' });
  const noteAccepted = await postJson(`${adapter.apiUrl}/v1/outcome-notes`, note, auth);
  const goalAccepted = await postJson(`${adapter.apiUrl}/v1/goals`, goal, auth);
  // A patient the EHR does not know: a permanent failure whose reason mentions the patient.
  const unknown = referralDoc({ patient: { nhsNumber: '9434765919', name: { given: 'Zebedee', family: 'Quinlan' } } });
  const failing = await postJson(`${adapter.apiUrl}/v1/referrals`, unknown, auth);
  // Rejected at the API: the invalid value must not be echoed into the log either.
  const rejected = await postJson(
    `${adapter.apiUrl}/v1/referrals`,
    { ...referral, patient: { nhsNumber: '9434765918' } },
    auth,
  );
  expect(rejected.status).toBe(400);
  const unauthorised = await postJson(`${adapter.apiUrl}/v1/referrals`, referral, {
    authorization: 'Bearer wrong-key-0123456789',
  });
  expect(unauthorised.status).toBe(401);

  await waitForStatus(adapter.apiUrl, String(accepted.body.messageId), ['delivered'], 15_000, auth);
  await waitForStatus(adapter.apiUrl, String(noteAccepted.body.messageId), ['delivered'], 15_000, auth);
  await waitForStatus(adapter.apiUrl, String(goalAccepted.body.messageId), ['delivered'], 15_000, auth);
  await waitForStatus(adapter.apiUrl, String(failing.body.messageId), ['failed'], 15_000, auth);

  const log = lines.join('');
  // The log did record the work (so an empty log cannot pass this test)...
  expect(log).toContain(String(accepted.body.messageId));
  // ...but none of the patient's data or the secrets.
  const secrets = [
    referral.patient.nhsNumber,
    '9434765919',
    '9434765918',
    referral.patient.name?.given ?? 'no-given-name',
    referral.patient.name?.family ?? 'no-family-name',
    'Zebedee',
    'Quinlan',
    referral.patient.birthDate ?? 'no-birth-date',
    'Quiet Lane',
    'Margot',
    'allotment',
    API_KEY,
    'wrong-key-0123456789',
  ];
  for (const secret of secrets) {
    expect({ secret, found: log.includes(secret) }).toEqual({ secret, found: false });
  }
});
