import type { SearchRequest } from '@medplum/core';
import { Operator } from '@medplum/core';
import type { ServiceRequest } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import { ValidatingMemoryRepository } from '../../src/sandbox';

const SYSTEM = 'https://example.org/test/referral-id';

function serviceRequest(value: string): ServiceRequest {
  return {
    resourceType: 'ServiceRequest',
    identifier: [{ system: SYSTEM, value }],
    status: 'active',
    intent: 'order',
    subject: { reference: 'Patient/sandbox-patient-1' },
  };
}

function byIdentifier(value: string): SearchRequest<ServiceRequest> {
  return {
    resourceType: 'ServiceRequest',
    filters: [{ code: 'identifier', operator: Operator.EQUALS, value: `${SYSTEM}|${value}` }],
  };
}

test('versions are numbered 1, 2, 3 and every version can be read back', async () => {
  const repo = new ValidatingMemoryRepository();
  const v1 = await repo.createResource(serviceRequest(randomUUID()));
  const v2 = await repo.updateResource({ ...v1, status: 'on-hold' });
  const v3 = await repo.updateResource({ ...v2, status: 'completed' });
  expect([v1, v2, v3].map((r) => r.meta?.versionId)).toEqual(['1', '2', '3']);
  expect((await repo.readVersion<ServiceRequest>('ServiceRequest', v1.id, '2')).status).toBe('on-hold');
});

test('a plain create ignores a client-chosen id', async () => {
  const repo = new ValidatingMemoryRepository();
  const created = await repo.createResource({ ...serviceRequest(randomUUID()), id: 'chosen-by-client' });
  expect(created.id).not.toBe('chosen-by-client');
});

test('invalid writes are rejected, including through conditional create', async () => {
  const repo = new ValidatingMemoryRepository();
  const invalid = { ...serviceRequest('x'), intent: undefined } as unknown as ServiceRequest;
  await expect(repo.createResource(invalid)).rejects.toThrow();
  await expect(repo.conditionalCreate(invalid, byIdentifier('x'))).rejects.toThrow();
  expect(await repo.searchResources(byIdentifier('x'))).toHaveLength(0);
});

test('concurrent conditional writes of one identifier leave one resource', async () => {
  const repo = new ValidatingMemoryRepository();
  const value = randomUUID();
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0
        ? repo.conditionalUpdate(serviceRequest(value), byIdentifier(value))
        : repo.conditionalCreate(serviceRequest(value), byIdentifier(value)),
    ),
  );
  expect(await repo.searchResources(byIdentifier(value))).toHaveLength(1);
});

test('identifier search follows updates, deletes and expunges, and agrees with the full scan', async () => {
  const repo = new ValidatingMemoryRepository();
  const [before, after] = [randomUUID(), randomUUID()];
  const created = await repo.createResource(serviceRequest(before));
  expect((await repo.searchResources(byIdentifier(before))).map((r) => r.id)).toEqual([created.id]);
  // Token search ignores case, with or without the index.
  expect(await repo.searchResources(byIdentifier(before.toUpperCase()))).toHaveLength(1);

  await repo.updateResource({ ...created, identifier: [{ system: SYSTEM, value: after }] });
  expect(await repo.searchResources(byIdentifier(before))).toHaveLength(0);
  expect(await repo.searchResources(byIdentifier(after))).toHaveLength(1);
  // A second filter takes the search off the index and onto the FHIRPath scan; both must agree.
  const scanned = await repo.searchResources({
    ...byIdentifier(after),
    filters: [...byIdentifier(after).filters!, { code: 'status', operator: Operator.EQUALS, value: 'active' }],
  });
  expect(scanned.map((r) => r.id)).toEqual([created.id]);

  await repo.deleteResource('ServiceRequest', created.id);
  expect(await repo.searchResources(byIdentifier(after))).toHaveLength(0);

  const again = await repo.createResource(serviceRequest(after));
  await repo.expungeResource('ServiceRequest', again.id);
  expect(await repo.searchResources(byIdentifier(after))).toHaveLength(0);
});

test('a rolled-back transaction leaves the identifier index as it was', async () => {
  const repo = new ValidatingMemoryRepository();
  const [kept, dropped] = [randomUUID(), randomUUID()];
  const existing = await repo.createResource(serviceRequest(kept));
  await expect(
    repo.withTransaction(async (tx) => {
      await tx.createResource(serviceRequest(dropped));
      await tx.updateResource({ ...existing, identifier: [{ system: SYSTEM, value: dropped }] });
      throw new Error('later entry failed');
    }),
  ).rejects.toThrow('later entry failed');
  expect(await repo.searchResources(byIdentifier(dropped))).toHaveLength(0);
  expect((await repo.searchResources(byIdentifier(kept))).map((r) => r.id)).toEqual([existing.id]);
  expect((await repo.readResource<ServiceRequest>('ServiceRequest', existing.id)).meta?.versionId).toBe('1');
});

test('write-key tag search follows updates and deletes, and agrees with the full scan', async () => {
  const repo = new ValidatingMemoryRepository();
  const TAG_SYSTEM = 'https://example.org/test/write-key';
  const [before, after] = [randomUUID(), randomUUID()];
  const byTag = (code: string): SearchRequest<ServiceRequest> => ({
    resourceType: 'ServiceRequest',
    filters: [{ code: '_tag', operator: Operator.EQUALS, value: `${TAG_SYSTEM}|${code}` }],
  });
  const tagged = (code: string): ServiceRequest => ({
    ...serviceRequest(randomUUID()),
    meta: { tag: [{ system: TAG_SYSTEM, code }] },
  });
  const created = await repo.createResource(tagged(before));
  await repo.createResource(tagged(randomUUID()));
  expect((await repo.searchResources(byTag(before))).map((r) => r.id)).toEqual([created.id]);
  expect(await repo.searchResources(byTag(before.toUpperCase()))).toHaveLength(1);

  const moved = await repo.updateResource({ ...created, meta: { tag: [{ system: TAG_SYSTEM, code: after }] } });
  expect(await repo.searchResources(byTag(before))).toHaveLength(0);
  expect((await repo.searchResources(byTag(after))).map((r) => r.id)).toEqual([moved.id]);
  const scanned = await repo.searchResources({
    ...byTag(after),
    filters: [...byTag(after).filters!, { code: 'status', operator: Operator.EQUALS, value: 'active' }],
  });
  expect(scanned.map((r) => r.id)).toEqual([moved.id]);

  // A conditional update by tag finds the one it wrote instead of creating another.
  await repo.conditionalUpdate({ ...tagged(after), status: 'on-hold' }, byTag(after));
  const found = await repo.searchResources(byTag(after));
  expect(found.map((r) => [r.id, r.status])).toEqual([[moved.id, 'on-hold']]);

  await repo.deleteResource('ServiceRequest', moved.id);
  expect(await repo.searchResources(byTag(after))).toHaveLength(0);
});
