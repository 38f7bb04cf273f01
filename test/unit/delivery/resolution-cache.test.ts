/**
 * The lookup cache's decisions with a scripted EHR: a second message for the same patient (or a follow-up of a
 * referral just written) skips the search; a cached resource is read back inside the transaction; a cached
 * resolution the EHR no longer holds, or that no longer matches the message, is forgotten and looked up again
 * before anything is refused; the cache is bounded and entries expire; the Redis side is shared and optional.
 */
import type { Bundle } from '@medplum/fhirtypes';
import { deliverMessage } from '../../../src/delivery/deliver-message';
import type { Resolution, ResolutionCache } from '../../../src/delivery/resolution-cache';
import { createResolutionCache } from '../../../src/delivery/resolution-cache';
import { LruCache } from '../../../src/lib/lru-cache';
import type { InboundMessage } from '../../../src/messages/schemas';
import type { SharedResolutions } from '../../../src/store/shared-resolutions';
import { goalDoc, referralDoc } from '../../support/fixtures';
import type { DeliveryFixture, FixtureOptions } from './fakes/delivery-fixture';
import { ENDPOINT_ID, MESSAGE_ID, deliveryFixture } from './fakes/delivery-fixture';
import { EHR_PATIENT, PATIENT_ID, response, searchset, transactionResponse } from './fakes/scripted-ehr';

function cachedFixture(
  options: FixtureOptions = {},
  cache: ResolutionCache = createResolutionCache({ endpointId: ENDPOINT_ID, maxEntries: 100, ttlMs: 60_000 }),
): DeliveryFixture & { readonly cache: ResolutionCache } {
  const fixture = deliveryFixture(options);
  return {
    ...fixture,
    cache,
    deps: { ...fixture.deps, resolutions: (id) => (id === ENDPOINT_ID ? cache : undefined) },
  };
}

/** The EHR's Patient as the cache keeps it. */
const CACHED_PATIENT: Resolution = { id: PATIENT_ID, name: [{ family: 'Example' }], birthDate: '1952-04-11' };

let next = 1;
async function deliverAnother(fixture: DeliveryFixture, message: InboundMessage): Promise<string> {
  next += 1;
  const id = `msg-${String(next)}`;
  fixture.lifecycle.add(message, { id, endpointId: ENDPOINT_ID });
  return (await deliverMessage(id, fixture.deps)).kind;
}

function readsIn(bundle: Bundle | undefined): string[] {
  return (bundle?.entry ?? [])
    .filter((entry) => entry.request?.method === 'GET')
    .map((entry) => entry.request?.url ?? '');
}

describe('delivery with a lookup cache', () => {
  test('the second message for a patient does not search for the patient, and the transaction reads it back', async () => {
    const fixture = cachedFixture();
    expect((await deliverMessage(MESSAGE_ID, fixture.deps)).kind).toBe('delivered');
    expect(fixture.ehr.steps()).toEqual(['patient lookup', 'version check', 'transaction']);
    expect(readsIn(fixture.ehr.requests[2]?.bundle)).toEqual([]);

    expect(await deliverAnother(fixture, { kind: 'referral', body: referralDoc() })).toBe('delivered');
    expect(fixture.ehr.steps().slice(3)).toEqual(['version check', 'transaction']);
    expect(readsIn(fixture.ehr.requests[4]?.bundle)).toEqual([`Patient/${PATIENT_ID}`]);
  });

  test('a referral just written is the one its follow-up uses, without a referral search', async () => {
    const referral = referralDoc();
    const fixture = cachedFixture({ message: { kind: 'referral', body: referral } });
    expect((await deliverMessage(MESSAGE_ID, fixture.deps)).kind).toBe('delivered');

    expect(await deliverAnother(fixture, { kind: 'goal', body: goalDoc(referral.source.recordId) })).toBe('delivered');
    expect(fixture.ehr.steps().slice(3)).toEqual(['version check', 'transaction']);
    // The scripted EHR wrote the ServiceRequest as the first entry: ServiceRequest/servicerequest-0.
    const reads = readsIn(fixture.ehr.requests.at(-1)?.bundle);
    expect(reads).toEqual([`Patient/${PATIENT_ID}`, 'ServiceRequest/servicerequest-0']);
  });

  test('a cached patient the EHR no longer holds is forgotten, looked up again, and nothing is written', async () => {
    const fixture = cachedFixture({
      script: {
        'patient lookup': () => searchset([]),
        // The patient is gone: an atomic EHR refuses the transaction whose read of it fails.
        transaction: (request) =>
          readsIn(request.bundle).length > 0
            ? response(404, { resourceType: 'OperationOutcome', issue: [] })
            : transactionResponse(request.bundle),
      },
    });
    const nhsNumber = fixture.message.body.patient.nhsNumber;
    await fixture.cache.remember('patient', nhsNumber, CACHED_PATIENT);

    const decision = await deliverMessage(MESSAGE_ID, fixture.deps);

    expect(decision.kind).toBe('failed');
    expect(fixture.ehr.steps()).toEqual(['version check', 'transaction', 'patient lookup']);
    expect(await fixture.cache.get('patient', nhsNumber)).toBeUndefined();
    const [transition] = fixture.lifecycle.transitions;
    expect(transition?.name).toBe('failed');
  });

  test('a transaction-response whose read of the cached patient failed also counts as a dead entry', async () => {
    const fixture = cachedFixture({
      script: {
        transaction: (request) => {
          const entries = request.bundle?.entry?.length ?? 0;
          const reads = readsIn(request.bundle).length;
          return reads > 0
            ? transactionResponse(request.bundle, { [entries - 1]: { status: '404 Not Found' } })
            : transactionResponse(request.bundle);
        },
      },
    });
    await fixture.cache.remember('patient', fixture.message.body.patient.nhsNumber, CACHED_PATIENT);

    expect((await deliverMessage(MESSAGE_ID, fixture.deps)).kind).toBe('delivered');
    expect(fixture.ehr.steps()).toEqual([
      'version check',
      'transaction',
      'patient lookup',
      'version check',
      'transaction',
    ]);
  });

  test('a cached patient that no longer matches the message is looked up again before the message is refused', async () => {
    const fixture = cachedFixture();
    const nhsNumber = fixture.message.body.patient.nhsNumber;
    // Cached before the GP record corrected the family name the message now gives.
    await fixture.cache.remember('patient', nhsNumber, { ...CACHED_PATIENT, name: [{ family: 'Former' }] });

    expect((await deliverMessage(MESSAGE_ID, fixture.deps)).kind).toBe('delivered');
    expect(fixture.ehr.steps()).toEqual(['patient lookup', 'version check', 'transaction']);
    expect((await fixture.cache.get('patient', nhsNumber))?.name).toEqual([{ family: 'Example' }]);
  });

  test('without a cache every message searches for its patient', async () => {
    const fixture = deliveryFixture();
    expect((await deliverMessage(MESSAGE_ID, fixture.deps)).kind).toBe('delivered');
    expect(await deliverAnother(fixture, { kind: 'referral', body: referralDoc() })).toBe('delivered');
    expect(fixture.ehr.steps().filter((step) => step === 'patient lookup')).toHaveLength(2);
  });
});

describe('the cache itself', () => {
  test('is bounded: the least recently used entry goes first', () => {
    const lru = new LruCache<number>({ maxEntries: 2, ttlMs: 1000 });
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).toBe(1);
    lru.set('c', 3);
    expect([lru.get('a'), lru.get('b'), lru.get('c'), lru.size]).toEqual([1, undefined, 3, 2]);
  });

  test('entries expire after their TTL', () => {
    let now = 0;
    const lru = new LruCache<number>({ maxEntries: 10, ttlMs: 1000, now: () => now });
    lru.set('a', 1);
    now = 999;
    expect(lru.get('a')).toBe(1);
    now = 1000;
    expect(lru.get('a')).toBeUndefined();
  });

  test('keeps nothing with maxEntries 0', async () => {
    const cache = createResolutionCache({ endpointId: ENDPOINT_ID, maxEntries: 0, ttlMs: 1000 });
    await cache.remember('referral', 'sys|R1', { id: 'sr-1' });
    expect(await cache.get('referral', 'sys|R1')).toBeUndefined();
  });

  test('keeps only the id and what patient matching needs', async () => {
    const cache = createResolutionCache({ endpointId: ENDPOINT_ID, maxEntries: 10, ttlMs: 1000 });
    await cache.remember('patient', '9990000018', { ...EHR_PATIENT, id: PATIENT_ID });
    expect(await cache.get('patient', '9990000018')).toEqual({
      id: PATIENT_ID,
      name: [{ family: 'Example' }],
      birthDate: '1952-04-11',
    });
  });

  describe('shared side', () => {
    function memoryShared(): SharedResolutions & { readonly values: Map<string, string> } {
      const values = new Map<string, string>();
      const key = (endpointId: string, kind: string, k: string): string => `${endpointId}/${kind}/${k}`;
      return {
        values,
        get: async (endpointId, kind, k) => Promise.resolve(values.get(key(endpointId, kind, k))),
        set: async (endpointId, kind, k, value) => {
          values.set(key(endpointId, kind, k), value);
          return Promise.resolve();
        },
        delete: async (endpointId, kind, k) => {
          values.delete(key(endpointId, kind, k));
          return Promise.resolve();
        },
      };
    }

    test('what one worker found, another worker reads; forgetting removes it for both', async () => {
      const shared = memoryShared();
      const one = createResolutionCache({ endpointId: ENDPOINT_ID, maxEntries: 10, ttlMs: 1000, shared });
      const other = createResolutionCache({ endpointId: ENDPOINT_ID, maxEntries: 10, ttlMs: 1000, shared });
      await one.remember('referral', 'sys|R1', { id: 'sr-1' });
      expect(await other.get('referral', 'sys|R1')).toEqual({ id: 'sr-1' });
      await one.forget('referral', 'sys|R1');
      expect(shared.values.size).toBe(0);
      const third = createResolutionCache({ endpointId: ENDPOINT_ID, maxEntries: 10, ttlMs: 1000, shared });
      expect(await third.get('referral', 'sys|R1')).toBeUndefined();
    });

    test('a value in Redis that is not a resolution is treated as a miss', async () => {
      const shared = memoryShared();
      shared.values.set(`${ENDPOINT_ID}/patient/9990000018`, '{"name":"no id"}');
      const cache = createResolutionCache({ endpointId: ENDPOINT_ID, maxEntries: 10, ttlMs: 1000, shared });
      expect(await cache.get('patient', '9990000018')).toBeUndefined();
    });

    test('when Redis cannot be reached the lookup goes on without it and the failure is reported', async () => {
      const errors: unknown[] = [];
      const failing: SharedResolutions = {
        get: async () => Promise.reject(new Error('down')),
        set: async () => Promise.reject(new Error('down')),
        delete: async () => Promise.reject(new Error('down')),
      };
      const cache = createResolutionCache({
        endpointId: ENDPOINT_ID,
        maxEntries: 10,
        ttlMs: 1000,
        shared: failing,
        onSharedError: (error) => errors.push(error),
      });
      expect(await cache.get('referral', 'sys|R1')).toBeUndefined();
      await cache.remember('referral', 'sys|R1', { id: 'sr-1' });
      expect(await cache.get('referral', 'sys|R1')).toEqual({ id: 'sr-1' });
      expect(errors).toHaveLength(2);
    });
  });
});
