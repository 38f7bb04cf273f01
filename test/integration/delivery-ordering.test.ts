/**
 * Ordering per source record, on real Redis and the sandbox over HTTP: a newer version already in the EHR is never
 * overwritten by an older one that arrives late; the older one is recorded as superseded with its reason.
 */
import type { Bundle, ServiceRequest } from '@medplum/fhirtypes';
import { EXTENSIONS } from '../../src/mapping/codes';
import type { TestAdapter } from '../support/adapter';
import { postJson, startTestAdapter, waitForStatus } from '../support/adapter';
import { referralDoc } from '../support/fixtures';

let adapter: TestAdapter;

beforeAll(async () => {
  adapter = await startTestAdapter({ name: 'delivery-ordering' });
});

afterAll(async () => {
  await adapter.close();
});

async function submit(doc: unknown): Promise<string> {
  const response = await postJson(`${adapter.apiUrl}/v1/referrals`, doc);
  expect(response.status).toBe(202);
  return String(response.body.messageId);
}

async function requestsFor(system: string, recordId: string): Promise<ServiceRequest[]> {
  const token = encodeURIComponent(`${system}|referral/${recordId}`);
  const response = await fetch(`${adapter.sandbox?.baseUrl ?? ''}/ServiceRequest?identifier=${token}`);
  const bundle = (await response.json()) as Bundle<ServiceRequest>;
  return (bundle.entry ?? []).flatMap((entry) => (entry.resource !== undefined ? [entry.resource] : []));
}

function versionOf(request: ServiceRequest | undefined): number | undefined {
  return request?.extension?.find((extension) => extension.url === EXTENSIONS.sourceRecordVersion)?.valueInteger;
}

test('a late older version is superseded and never overwrites the newer one', async () => {
  const v1 = referralDoc({ status: 'accepted' });
  const { system, recordId } = v1.source;
  const v3 = { ...v1, source: { ...v1.source, recordVersion: 3 }, status: 'completed' as const };
  const v2 = { ...v1, source: { ...v1.source, recordVersion: 2 }, status: 'in-progress' as const };

  // Deliberately out of order: the newest version first, then the two older ones.
  const newest = await submit(v3);
  expect((await waitForStatus(adapter.apiUrl, newest, ['delivered', 'failed', 'superseded'])).status).toBe('delivered');
  const older = await submit(v2);
  const oldest = await submit(v1);
  const olderStatus = await waitForStatus(adapter.apiUrl, older, ['delivered', 'failed', 'superseded']);
  const oldestStatus = await waitForStatus(adapter.apiUrl, oldest, ['delivered', 'failed', 'superseded']);
  expect(olderStatus.status).toBe('superseded');
  expect(String(olderStatus.lastError)).toContain('version 3');
  expect(oldestStatus.status).toBe('superseded');

  const requests = await requestsFor(system, recordId);
  expect(requests).toHaveLength(1);
  expect(versionOf(requests[0])).toBe(3);
  expect(requests[0]?.status).toBe('completed');
});

test('versions in source order each update the one resource, ending on the newest', async () => {
  const v1 = referralDoc({ status: 'accepted' });
  const { system, recordId } = v1.source;
  const ids: string[] = [];
  for (const [version, status] of [
    [1, 'accepted'],
    [2, 'in-progress'],
    [3, 'completed'],
  ] as const) {
    const id = await submit({ ...v1, source: { ...v1.source, recordVersion: version }, status });
    expect((await waitForStatus(adapter.apiUrl, id, ['delivered', 'failed', 'superseded'])).status).toBe('delivered');
    ids.push(id);
  }
  const requests = await requestsFor(system, recordId);
  expect(requests).toHaveLength(1);
  expect(versionOf(requests[0])).toBe(3);
  expect(requests[0]?.status).toBe('completed');
  expect(ids).toHaveLength(3);
});

test('versions of one record submitted all at once end with the newest in the EHR, exactly once', async () => {
  const v1 = referralDoc({ status: 'accepted' });
  const { system, recordId } = v1.source;
  const versions = [5, 2, 4, 1, 3];
  const ids = await Promise.all(
    versions.map(async (version) => submit({ ...v1, source: { ...v1.source, recordVersion: version } })),
  );
  const statuses = await Promise.all(
    ids.map(async (id) => waitForStatus(adapter.apiUrl, id, ['delivered', 'failed', 'superseded'])),
  );
  expect(statuses.every((status) => status.status === 'delivered' || status.status === 'superseded')).toBe(true);
  // Version 5 is the newest: whatever order the workers took them in, it is delivered, never superseded.
  expect(statuses[0]?.status).toBe('delivered');
  const requests = await requestsFor(system, recordId);
  expect(requests).toHaveLength(1);
  expect(versionOf(requests[0])).toBe(5);
});
