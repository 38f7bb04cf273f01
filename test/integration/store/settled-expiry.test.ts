/**
 * Per-message Redis state expires on the documented schedule (docs/operations.md): once a message is delivered
 * its record gets the configured TTL while the ledger and its timeline keep none; when the record has expired,
 * the status read is a 404 and reconciliation, which reads the ledger alone, still counts the message delivered.
 */
import { reconcile } from '../../../src/audit/reconcile';
import { verifyLedger } from '../../../src/audit/verify';
import { messageKeys } from '../../../src/store/keys';
import { ledgerIndexKeys } from '../../../src/store/ledger-keys';
import type { TestAdapter } from '../../support/adapter';
import { getJson, postJson, startTestAdapter, waitForStatus } from '../../support/adapter';
import { referralDoc } from '../../support/fixtures';

const DAY_MS = 24 * 3600 * 1000;

let adapter: TestAdapter;

beforeAll(async () => {
  adapter = await startTestAdapter({ name: 'settled-expiry', config: { audit: { settledMessageTtlDays: 7 } } });
});

afterAll(async () => {
  await adapter.close();
});

test('a delivered message expires after the configured days; status reads 404 and reconciliation still counts it', async () => {
  const doc = referralDoc();
  const accepted = await postJson(`${adapter.apiUrl}/v1/referrals`, doc);
  expect(accepted.status).toBe(202);
  const id = String(accepted.body.messageId);
  expect((await waitForStatus(adapter.apiUrl, id, ['delivered', 'failed'])).status).toBe('delivered');

  const redis = adapter.services.redis;
  const keys = messageKeys(adapter.prefix);
  const ttl = await redis.pttl(keys.message(id));
  expect(ttl).toBeGreaterThan(7 * DAY_MS - 60_000);
  expect(ttl).toBeLessThanOrEqual(7 * DAY_MS);
  // What auditors need keeps no TTL: the ledger, the message's timeline and the received index.
  const index = ledgerIndexKeys(keys.ledger);
  expect(await redis.pttl(keys.ledger)).toBe(-1);
  expect(await redis.pttl(index.timeline(id))).toBe(-1);
  expect(await redis.zscore(index.received, id)).not.toBeNull();

  // Seven days pass for this record: Redis expires it exactly as it would then.
  await redis.pexpire(keys.message(id), 1);
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(await redis.exists(keys.message(id))).toBe(0);

  const status = await getJson(`${adapter.apiUrl}/v1/messages/${id}`);
  expect(status.status).toBe(404);
  expect(status.body.resourceType).toBe('OperationOutcome');

  const receivedAt = new Date();
  const report = await reconcile(
    adapter.services.ledger,
    {
      practice: doc.gpPractice.odsCode,
      from: new Date(receivedAt.getTime() - DAY_MS),
      to: new Date(receivedAt.getTime() + DAY_MS),
    },
    receivedAt,
  );
  expect(report.counts.received).toBe(1);
  expect(report.counts.delivered).toBe(1);
  expect(report.undelivered).toEqual([]);
  expect((await verifyLedger(adapter.services.ledger, new Date())).ok).toBe(true);
}, 60_000);

test('a settled TTL of 0 keeps delivered records for ever', async () => {
  const keeping = await startTestAdapter({
    name: 'settled-keep',
    config: { audit: { settledMessageTtlDays: 0 } },
  });
  try {
    const accepted = await postJson(`${keeping.apiUrl}/v1/referrals`, referralDoc());
    const id = String(accepted.body.messageId);
    expect((await waitForStatus(keeping.apiUrl, id, ['delivered', 'failed'])).status).toBe('delivered');
    expect(await keeping.services.redis.pttl(messageKeys(keeping.prefix).message(id))).toBe(-1);
  } finally {
    await keeping.close();
  }
}, 60_000);
