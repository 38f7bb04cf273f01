/**
 * The sandbox's realistic mode over HTTP: the per-client quota answered with 429 and only a RateLimit header,
 * serialization conflicts at the top level and per entry (the other entries still written), versions in the
 * resource bodies only, the counters at /$sandbox/stats, and the same failures for the same seed.
 */
import type { Bundle, BundleEntry, OperationOutcome, Patient } from '@medplum/fhirtypes';
import type { RealisticOptions, RunningSandbox, SandboxStats } from '../../src/sandbox';
import { NHS_NUMBER_SYSTEM, SERIALIZATION_FAILURE, STATS_PATH, startSandbox } from '../../src/sandbox';
import { seededRandom } from '../../src/sandbox/seeded-random';
import { realisticFromFlags } from '../../src/runtime/sandbox';
import { fhir } from './fhir-http';

const running: RunningSandbox[] = [];

async function sandboxWith(realistic: RealisticOptions): Promise<RunningSandbox> {
  const sandbox = await startSandbox({ port: 0, realistic });
  running.push(sandbox);
  return sandbox;
}

afterAll(async () => {
  await Promise.all(running.map(async (sandbox) => sandbox.close()));
});

async function stats(sandbox: RunningSandbox): Promise<SandboxStats> {
  const response = await fetch(`http://127.0.0.1:${sandbox.port}${STATS_PATH}`);
  expect(response.status).toBe(200);
  return (await response.json()) as SandboxStats;
}

let nhs = 9_100_000_000;
function patientEntry(): BundleEntry {
  nhs += 1;
  const value = String(nhs);
  return {
    resource: { resourceType: 'Patient', identifier: [{ system: NHS_NUMBER_SYSTEM, value }] },
    request: { method: 'PUT', url: `Patient?identifier=${NHS_NUMBER_SYSTEM}|${value}` },
  };
}

function transaction(size: number): Bundle {
  return { resourceType: 'Bundle', type: 'transaction', entry: Array.from({ length: size }, patientEntry) };
}

test('a client past its quota gets 429 with a RateLimit reset and no Retry-After, and others are served', async () => {
  const sandbox = await sandboxWith({
    conflictRate: 0,
    entryConflictRate: 0,
    quotaPoints: 250,
    quotaWindowSeconds: 30,
  });
  const client = { authorization: 'Bearer client-a' };
  // Two searches (20 points each) and a two-entry transaction (200) fit in 250; the next search does not.
  expect((await fhir(sandbox.baseUrl, 'GET', 'Patient?name=x', undefined, client)).status).toBe(200);
  expect((await fhir(sandbox.baseUrl, 'GET', 'Patient?name=y', undefined, client)).status).toBe(200);
  const written = await fhir<Bundle>(sandbox.baseUrl, 'POST', '', transaction(2), client);
  expect(written.status).toBe(200);
  expect(written.headers.get('ratelimit')).toBe('"fhirInteractions";r=10;t=30');

  const refused = await fhir<OperationOutcome>(sandbox.baseUrl, 'GET', 'Patient?name=z', undefined, client);
  expect(refused.status).toBe(429);
  expect(refused.headers.get('retry-after')).toBeNull();
  expect(refused.headers.get('ratelimit')).toMatch(/^"fhirInteractions";r=10;t=(29|30)$/);
  expect(refused.body.resourceType).toBe('OperationOutcome');

  // The quota is per client.
  const other = await fhir(sandbox.baseUrl, 'GET', 'Patient?name=z', undefined, { authorization: 'Bearer client-b' });
  expect(other.status).toBe(200);

  const counted = await stats(sandbox);
  expect(counted.requests).toEqual({ search: 4, transaction: 1 });
  expect(counted.throttled).toEqual({ search: 1 });
  expect(counted.entries).toEqual({ applied: 2, failed: 0 });
});

test('serialization conflicts refuse whole writes, or single entries while the others are written', async () => {
  const whole = await sandboxWith({ conflictRate: 1, entryConflictRate: 0, quotaPoints: 0 });
  const bundle = transaction(1);
  const refused = await fhir<OperationOutcome>(whole.baseUrl, 'POST', '', bundle);
  expect(refused.status).toBe(409);
  expect(refused.body.issue[0]).toMatchObject({ code: 'conflict', details: { text: SERIALIZATION_FAILURE } });
  const url = bundle.entry?.[0]?.request?.url ?? '';
  expect((await fhir<Bundle>(whole.baseUrl, 'GET', url.replace('?', '?_count=1&'))).body.entry ?? []).toHaveLength(0);
  // Reads are never refused with a conflict.
  expect((await fhir(whole.baseUrl, 'GET', 'Patient?name=x')).status).toBe(200);

  const entries = await sandboxWith({ conflictRate: 0, entryConflictRate: 0.5, seed: 7, quotaPoints: 0 });
  const answer = await fhir<Bundle>(entries.baseUrl, 'POST', '', transaction(20));
  expect(answer.status).toBe(200);
  const statuses = (answer.body.entry ?? []).map((entry) => entry.response?.status.slice(0, 3));
  const conflicted = statuses.filter((status) => status === '409').length;
  expect(conflicted).toBeGreaterThan(0);
  expect(conflicted).toBeLessThan(20);
  const failedEntry = answer.body.entry?.find((entry) => entry.response?.status.startsWith('409'));
  expect(failedEntry?.response?.outcome?.issue[0]?.details?.text).toBe(SERIALIZATION_FAILURE);
  const counted = await stats(entries);
  expect(counted.conflicts).toEqual({ requests: 0, entries: conflicted });
  expect(counted.entries).toEqual({ applied: 20 - conflicted, failed: conflicted });
  expect(counted.requests).toEqual({ transaction: 1 });
});

test('written versions are in the resource bodies, not in location or etag', async () => {
  const sandbox = await sandboxWith({ conflictRate: 0, entryConflictRate: 0, quotaPoints: 0 });
  const answer = await fhir<Bundle>(sandbox.baseUrl, 'POST', '', transaction(1));
  const entry = answer.body.entry?.[0];
  expect(entry?.response?.status.slice(0, 3)).toBe('201');
  expect(entry?.response?.location).toMatch(/^Patient\/[A-Za-z0-9-]+$/);
  expect(entry?.response?.etag).toBeUndefined();
  expect((entry?.resource as Patient | undefined)?.meta?.versionId).toBeDefined();

  const created = await fhir<Patient>(sandbox.baseUrl, 'POST', 'Patient', { resourceType: 'Patient' });
  expect(created.status).toBe(201);
  expect(created.headers.get('location')).toBe(`${sandbox.baseUrl}/Patient/${created.body.id ?? ''}`);
  expect(created.body.meta?.versionId).toBeDefined();
});

test('entries referring to an update of an existing resource by its urn:uuid get its literal reference', async () => {
  const sandbox = await sandboxWith({ conflictRate: 0, entryConflictRate: 0, quotaPoints: 0 });
  const patient = patientEntry();
  expect(
    (await fhir(sandbox.baseUrl, 'POST', '', { resourceType: 'Bundle', type: 'transaction', entry: [patient] })).status,
  ).toBe(200);
  const fullUrl = 'urn:uuid:6f1c2a6e-0d5b-4c43-9a53-2f0c7c1d9e01';
  const answer = await fhir<Bundle>(sandbox.baseUrl, 'POST', '', {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      { ...patient, fullUrl },
      {
        resource: {
          resourceType: 'Observation',
          status: 'final',
          code: { text: 'x' },
          subject: { reference: fullUrl },
        },
        request: { method: 'POST', url: 'Observation' },
      },
    ],
  });
  expect(answer.body.entry?.map((entry) => entry.response?.status.slice(0, 3))).toEqual(['200', '201']);
  const patientRef = answer.body.entry?.[0]?.response?.location;
  const observation = answer.body.entry?.[1]?.resource as { subject?: { reference?: string } } | undefined;
  expect(observation?.subject?.reference).toBe(patientRef);
});

test('the same seed picks the same failures', async () => {
  const draws = (seed: number): number[] => {
    const random = seededRandom(seed);
    return Array.from({ length: 5 }, random);
  };
  expect(draws(42)).toEqual(draws(42));
  expect(draws(42)).not.toEqual(draws(43));
  expect(draws(0).every((value) => value >= 0 && value < 1)).toBe(true);

  const pattern = async (): Promise<(string | undefined)[]> => {
    const sandbox = await sandboxWith({ conflictRate: 0, entryConflictRate: 0.3, seed: 99, quotaPoints: 0 });
    const answer = await fhir<Bundle>(sandbox.baseUrl, 'POST', '', transaction(12));
    return (answer.body.entry ?? []).map((entry) => entry.response?.status.slice(0, 3));
  };
  const first = await pattern();
  expect(first).toContain('409');
  expect(await pattern()).toEqual(first);
});

test('the sandbox command flags turn the realistic mode on over the configured settings', () => {
  expect(realisticFromFlags({}, undefined)).toBeUndefined();
  expect(realisticFromFlags({ realistic: true }, undefined)).toEqual({});
  expect(realisticFromFlags({ conflictRate: '0.2', quotaWindow: '5' }, { seed: 3, quotaPoints: 900 })).toEqual({
    seed: 3,
    quotaPoints: 900,
    conflictRate: 0.2,
    quotaWindowSeconds: 5,
  });
  expect(() => realisticFromFlags({ conflictRate: '2' }, undefined)).toThrow('--conflict-rate must be a number');
  expect(() => realisticFromFlags({ seed: 'x' }, undefined)).toThrow('--seed must be a number');
});
