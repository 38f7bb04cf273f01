import { validateResource } from '@medplum/core';
import type {
  Bundle,
  CapabilityStatement,
  Goal,
  Observation,
  OperationOutcome,
  Provenance,
  ServiceRequest,
} from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import type { RunningSandbox } from '../../src/sandbox';
import { ValidatingMemoryRepository, startSandbox } from '../../src/sandbox';
import type { FhirReply } from './fhir-http';
import { fhir } from './fhir-http';

const SR_SYSTEM = 'https://example.org/test/referral-id';
const GOAL_SYSTEM = 'https://example.org/test/goal-id';

function serviceRequest(value: string, extra: Partial<ServiceRequest> = {}): ServiceRequest {
  return {
    resourceType: 'ServiceRequest',
    identifier: [{ system: SR_SYSTEM, value }],
    status: 'active',
    intent: 'order',
    subject: { reference: 'Patient/sandbox-patient-1' },
    ...extra,
  };
}

function searchCount(bundle: Bundle): number {
  return bundle.entry?.length ?? 0;
}

let sandbox: RunningSandbox;
let base: string;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  base = sandbox.baseUrl;
});

afterAll(async () => {
  await sandbox.close();
});

describe('sandbox server basics', () => {
  test('reports the real port and a /fhir base URL', () => {
    expect(sandbox.port).toBeGreaterThan(0);
    expect(base).toBe(`http://127.0.0.1:${sandbox.port}/fhir`);
  });

  test('GET /metadata returns a valid R4 CapabilityStatement', async () => {
    const reply = await fhir<CapabilityStatement>(base, 'GET', 'metadata');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toContain('application/fhir+json');
    expect(reply.body.resourceType).toBe('CapabilityStatement');
    expect(reply.body.fhirVersion).toBe('4.0.1');
    const resources = reply.body.rest?.[0]?.resource ?? [];
    const sr = resources.find((r) => r.type === 'ServiceRequest');
    expect(sr?.interaction?.map((i) => i.code)).toEqual(
      expect.arrayContaining(['create', 'read', 'update', 'search-type']),
    );
    expect(sr?.conditionalUpdate).toBe(true);
    expect(reply.body.rest?.[0]?.interaction?.map((i) => i.code)).toEqual(
      expect.arrayContaining(['transaction', 'batch']),
    );
    expect(() => validateResource(reply.body)).not.toThrow();
  });

  test('create answers 201 with Location and ETag, then read, vread and update work', async () => {
    const created = await fhir<ServiceRequest>(base, 'POST', 'ServiceRequest', serviceRequest(randomUUID()));
    expect(created.status).toBe(201);
    const id = created.body.id!;
    expect(created.headers.get('location')).toBe(`${base}/ServiceRequest/${id}/_history/1`);
    expect(created.headers.get('etag')).toBe('W/"1"');

    const read = await fhir<ServiceRequest>(base, 'GET', `ServiceRequest/${id}`);
    expect(read.status).toBe(200);
    expect(read.body.identifier).toEqual(created.body.identifier);

    const updated = await fhir<ServiceRequest>(base, 'PUT', `ServiceRequest/${id}`, {
      ...read.body,
      status: 'completed',
    });
    expect(updated.status).toBe(200);
    expect(updated.body.meta?.versionId).toBe('2');

    const v1 = await fhir<ServiceRequest>(base, 'GET', `ServiceRequest/${id}/_history/1`);
    expect(v1.status).toBe(200);
    expect(v1.body.status).toBe('active');
  });

  test('delete removes the resource and reading it is a 404 OperationOutcome', async () => {
    const created = await fhir<ServiceRequest>(base, 'POST', 'ServiceRequest', serviceRequest(randomUUID()));
    const deleted = await fhir(base, 'DELETE', `ServiceRequest/${created.body.id!}`);
    expect(deleted.status).toBe(200);
    const read = await fhir<OperationOutcome>(base, 'GET', `ServiceRequest/${created.body.id!}`);
    expect(read.status).toBe(404);
    expect(read.body.resourceType).toBe('OperationOutcome');
  });

  test('a search is paged by _count, and following the next links reads every match exactly once', async () => {
    const patient = `Patient/paging-${randomUUID()}`;
    const written: string[] = [];
    for (let i = 0; i < 5; i++) {
      const created = await fhir<ServiceRequest>(
        base,
        'POST',
        'ServiceRequest',
        serviceRequest(randomUUID(), { subject: { reference: patient } }),
      );
      written.push(created.body.id!);
    }
    const read: string[] = [];
    let link: string | undefined = `${base}/ServiceRequest?subject=${encodeURIComponent(patient)}&_count=2`;
    const pages: number[] = [];
    while (link !== undefined) {
      const page: FhirReply<Bundle> = await fhir<Bundle>(base, 'GET', link.slice(`${base}/`.length));
      expect(page.status).toBe(200);
      expect(page.body.link?.find((l) => l.relation === 'self')?.url).toBe(link);
      pages.push(searchCount(page.body));
      read.push(...(page.body.entry ?? []).map((entry) => entry.resource?.id ?? ''));
      link = page.body.link?.find((l) => l.relation === 'next')?.url;
      expect(pages.length).toBeLessThanOrEqual(3);
    }
    expect(pages).toEqual([2, 2, 1]);
    expect(read.sort()).toEqual([...written].sort());
  });

  test('search by identifier finds exactly the matching resource', async () => {
    const value = randomUUID();
    await fhir(base, 'POST', 'ServiceRequest', serviceRequest(value));
    await fhir(base, 'POST', 'ServiceRequest', serviceRequest(randomUUID()));
    const found = await fhir<Bundle>(
      base,
      'GET',
      `ServiceRequest?identifier=${encodeURIComponent(`${SR_SYSTEM}|${value}`)}`,
    );
    expect(found.status).toBe(200);
    expect(found.body.type).toBe('searchset');
    expect(searchCount(found.body)).toBe(1);
    const entry = found.body.entry![0]!;
    expect((entry.resource as ServiceRequest).identifier?.[0]?.value).toBe(value);
    expect(entry.fullUrl).toBe(`${base}/ServiceRequest/${entry.resource!.id!}`);
  });

  test('conditional create (If-None-Exist) twice leaves one resource', async () => {
    const value = randomUUID();
    const ifNoneExist = { 'if-none-exist': `identifier=${SR_SYSTEM}|${value}` };
    const first = await fhir<ServiceRequest>(base, 'POST', 'ServiceRequest', serviceRequest(value), ifNoneExist);
    const second = await fhir<ServiceRequest>(base, 'POST', 'ServiceRequest', serviceRequest(value), ifNoneExist);
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    const found = await fhir<Bundle>(base, 'GET', `ServiceRequest?identifier=${SR_SYSTEM}|${value}`);
    expect(searchCount(found.body)).toBe(1);
  });

  test('conditional update creates, then updates the same resource to version 2', async () => {
    const value = randomUUID();
    const url = `ServiceRequest?identifier=${encodeURIComponent(`${SR_SYSTEM}|${value}`)}`;
    const first = await fhir<ServiceRequest>(base, 'PUT', url, serviceRequest(value));
    expect(first.status).toBe(201);
    const second = await fhir<ServiceRequest>(base, 'PUT', url, serviceRequest(value, { status: 'completed' }));
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    expect(second.body.meta?.versionId).toBe('2');
    expect(second.headers.get('etag')).toBe('W/"2"');
    const found = await fhir<Bundle<ServiceRequest>>(base, 'GET', url);
    expect(searchCount(found.body)).toBe(1);
    expect(found.body.entry![0]!.resource!.status).toBe('completed');
  });

  test('an update-as-create under an id the client chose is refused with 404, as Medplum does; updating by id is not', async () => {
    const id = randomUUID();
    const transaction: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { ...serviceRequest(randomUUID()), id }, request: { method: 'PUT', url: `ServiceRequest/${id}` } },
      ],
    };
    const refused = await fhir<OperationOutcome>(base, 'POST', '', transaction);
    expect(refused.status).toBe(404);
    expect(refused.body.issue[0]?.expression).toEqual(['Bundle.entry[0].request.url']);
    const alone = await fhir(base, 'PUT', `ServiceRequest/${id}`, { ...serviceRequest(randomUUID()), id });
    expect(alone.status).toBe(404);
    expect((await fhir(base, 'GET', `ServiceRequest/${id}`)).status).toBe(404);
    const metadata = await fhir<CapabilityStatement>(base, 'GET', 'metadata');
    expect(metadata.body.rest?.[0]?.resource?.every((resource) => resource.updateCreate === false)).toBe(true);

    const created = await fhir<ServiceRequest>(base, 'POST', 'ServiceRequest', serviceRequest(randomUUID()));
    const updated = await fhir<ServiceRequest>(base, 'PUT', `ServiceRequest/${created.body.id ?? ''}`, {
      ...created.body,
      status: 'completed',
    });
    expect([updated.status, updated.body.status]).toEqual([200, 'completed']);
  });

  test('a conditional reference in a transaction is resolved to the one resource it finds, or fails it with 412', async () => {
    const value = randomUUID();
    const target = await fhir<ServiceRequest>(base, 'POST', 'ServiceRequest', serviceRequest(value));
    const naming = (search: string): Bundle => ({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: { ...serviceRequest(randomUUID()), basedOn: [{ reference: `ServiceRequest?${search}` }] },
          request: { method: 'POST', url: 'ServiceRequest' },
        },
      ],
    });
    const written = await fhir<Bundle>(base, 'POST', '', naming(`identifier=${SR_SYSTEM}|${value}`));
    expect(written.status).toBe(200);
    const location = written.body.entry?.[0]?.response?.location ?? '';
    const read = await fhir<ServiceRequest>(
      base,
      'GET',
      location.replace(/^.*\/fhir\//, '').replace(/\/_history.*$/, ''),
    );
    expect(read.body.basedOn?.[0]?.reference).toBe(`ServiceRequest/${target.body.id ?? ''}`);

    const unmatched = await fhir<OperationOutcome>(base, 'POST', '', naming(`identifier=${SR_SYSTEM}|${randomUUID()}`));
    expect(unmatched.status).toBe(412);
    expect(unmatched.body.issue[0]?.details?.text).toContain('matches no resource');
  });

  test('a conditional update on a tag writes one resource and then updates it', async () => {
    const tag = `https://example.org/test/write-key|${randomUUID()}`;
    const [system, code] = tag.split('|');
    const provenance = (recorded: string): Provenance => ({
      resourceType: 'Provenance',
      meta: { tag: [{ system, code }] },
      target: [{ reference: 'Patient/example' }],
      recorded,
      agent: [{ who: { display: 'test' } }],
    });
    const url = `Provenance?_tag=${encodeURIComponent(system ?? '')}|${code ?? ''}`;
    const first = await fhir<Provenance>(base, 'PUT', url, provenance('2026-12-01T00:00:00Z'));
    const second = await fhir<Provenance>(base, 'PUT', url, provenance('2026-12-02T00:00:00Z'));
    expect([first.status, second.status]).toEqual([201, 200]);
    expect(second.body.id).toBe(first.body.id);
    const found = await fhir<Bundle>(base, 'GET', url);
    expect(searchCount(found.body)).toBe(1);
  });

  test('conditional update matching several resources is a 412', async () => {
    const value = randomUUID();
    await fhir(base, 'POST', 'ServiceRequest', serviceRequest(value));
    await fhir(base, 'POST', 'ServiceRequest', serviceRequest(value));
    const reply = await fhir<OperationOutcome>(
      base,
      'PUT',
      `ServiceRequest?identifier=${SR_SYSTEM}|${value}`,
      serviceRequest(value),
    );
    expect(reply.status).toBe(412);
    expect(reply.body.resourceType).toBe('OperationOutcome');
  });

  test('an invalid resource is rejected with a 400 OperationOutcome naming the element', async () => {
    const reply = await fhir<OperationOutcome>(base, 'POST', 'ServiceRequest', {
      ...serviceRequest(randomUUID()),
      colour: 'purple',
    });
    expect(reply.status).toBe(400);
    expect(reply.body.resourceType).toBe('OperationOutcome');
    expect(reply.body.issue.flatMap((i) => i.expression ?? [])).toContain('ServiceRequest.colour');

    const missingRequired = await fhir<OperationOutcome>(base, 'POST', 'ServiceRequest', {
      resourceType: 'ServiceRequest',
      intent: 'order',
      subject: { reference: 'Patient/sandbox-patient-1' },
    });
    expect(missingRequired.status).toBe(400);
    expect(missingRequired.body.issue.flatMap((i) => i.expression ?? [])).toContain('ServiceRequest.status');
  });

  test('errors are OperationOutcomes: malformed JSON, wrong content type, unknown path', async () => {
    const malformed = await fetch(`${base}/ServiceRequest`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: '{"resourceType":',
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as OperationOutcome).resourceType).toBe('OperationOutcome');

    const wrongType = await fetch(`${base}/ServiceRequest`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(wrongType.status).toBe(415);
    expect(((await wrongType.json()) as OperationOutcome).resourceType).toBe('OperationOutcome');

    const outside = await fhir<OperationOutcome>(base.replace(/\/fhir$/, ''), 'GET', 'nowhere');
    expect(outside.status).toBe(404);
    expect(outside.body.resourceType).toBe('OperationOutcome');
  });

  test('a plain application/json body is accepted', async () => {
    const response = await fetch(`${base}/ServiceRequest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(serviceRequest(randomUUID())),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toContain('application/fhir+json');
  });
});

describe('sandbox transactions and batches', () => {
  function referralTransaction(srValue: string, goalValue: string): Bundle {
    const srUrn = `urn:uuid:${randomUUID()}`;
    return {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: srUrn,
          resource: serviceRequest(srValue),
          request: { method: 'PUT', url: `ServiceRequest?identifier=${SR_SYSTEM}|${srValue}` },
        },
        {
          fullUrl: `urn:uuid:${randomUUID()}`,
          resource: {
            resourceType: 'Goal',
            identifier: [{ system: GOAL_SYSTEM, value: goalValue }],
            lifecycleStatus: 'active',
            description: { text: 'Join a walking group' },
            subject: { reference: 'Patient/sandbox-patient-1' },
            addresses: [{ reference: srUrn }],
          },
          request: { method: 'PUT', url: `Goal?identifier=${GOAL_SYSTEM}|${goalValue}` },
        },
      ],
    };
  }

  test('a transaction resolves urn:uuid references and running it twice creates no duplicates', async () => {
    const srValue = randomUUID();
    const goalValue = randomUUID();

    const first = await fhir<Bundle>(base, 'POST', '', referralTransaction(srValue, goalValue));
    expect(first.status).toBe(200);
    expect(first.body.type).toBe('transaction-response');
    expect(first.body.entry?.map((e) => e.response?.status)).toEqual(['201', '201']);
    const sr = first.body.entry![0]!.resource as ServiceRequest;
    const goal = first.body.entry![1]!.resource as Goal;
    expect(goal.addresses?.[0]?.reference).toBe(`ServiceRequest/${sr.id!}`);
    expect(first.body.entry![0]!.response?.etag).toBe('W/"1"');

    // A fresh Bundle, as a redelivery would build it: new urn:uuids, same business identifiers.
    const second = await fhir<Bundle>(base, 'POST', '', referralTransaction(srValue, goalValue));
    expect(second.status).toBe(200);
    expect(second.body.entry?.map((e) => e.response?.status)).toEqual(['200', '200']);
    expect(second.body.entry![0]!.resource!.id).toBe(sr.id);
    const goalAgain = second.body.entry![1]!.resource as Goal;
    expect(goalAgain.id).toBe(goal.id);
    expect(goalAgain.addresses?.[0]?.reference).toBe(`ServiceRequest/${sr.id!}`);

    const srs = await fhir<Bundle>(base, 'GET', `ServiceRequest?identifier=${SR_SYSTEM}|${srValue}`);
    const goals = await fhir<Bundle>(base, 'GET', `Goal?identifier=${GOAL_SYSTEM}|${goalValue}`);
    expect(searchCount(srs.body)).toBe(1);
    expect(searchCount(goals.body)).toBe(1);
  });

  test('transaction entries with request.ifNoneExist are created once', async () => {
    const value = randomUUID();
    const bundle = (): Bundle => ({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: `urn:uuid:${randomUUID()}`,
          resource: serviceRequest(value),
          request: { method: 'POST', url: 'ServiceRequest', ifNoneExist: `identifier=${SR_SYSTEM}|${value}` },
        },
      ],
    });
    const first = await fhir<Bundle>(base, 'POST', '', bundle());
    const second = await fhir<Bundle>(base, 'POST', '', bundle());
    expect(first.body.entry?.[0]?.response?.status).toBe('201');
    expect(second.body.entry?.[0]?.response?.status).toBe('200');
    const found = await fhir<Bundle>(base, 'GET', `ServiceRequest?identifier=${SR_SYSTEM}|${value}`);
    expect(searchCount(found.body)).toBe(1);
  });

  test('a transaction with an invalid entry is rejected as a whole and writes nothing', async () => {
    const srValue = randomUUID();
    const bundle = referralTransaction(srValue, randomUUID());
    const goal = bundle.entry![1]!.resource as Goal;
    delete (goal as Partial<Goal>).lifecycleStatus;

    const reply = await fhir<OperationOutcome>(base, 'POST', '', bundle);
    expect(reply.status).toBe(400);
    expect(reply.body.resourceType).toBe('OperationOutcome');
    expect(reply.body.issue.flatMap((i) => i.expression ?? [])).toContain('Bundle.entry[1].resource.lifecycleStatus');
    const found = await fhir<Bundle>(base, 'GET', `ServiceRequest?identifier=${SR_SYSTEM}|${srValue}`);
    expect(searchCount(found.body)).toBe(0);
  });

  test('a transaction failing after some writes is rolled back', async () => {
    const existing = await fhir<ServiceRequest>(base, 'POST', 'ServiceRequest', serviceRequest(randomUUID()));
    const newValue = randomUUID();
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        // Creates run before updates, so this one is written before the stale update fails.
        { resource: serviceRequest(newValue), request: { method: 'POST', url: 'ServiceRequest' } },
        {
          resource: { ...existing.body, status: 'revoked' },
          request: { method: 'PUT', url: `ServiceRequest/${existing.body.id!}`, ifMatch: 'W/"7"' },
        },
      ],
    };
    const reply = await fhir<OperationOutcome>(base, 'POST', '', bundle);
    expect(reply.status).toBe(412);
    expect(reply.body.resourceType).toBe('OperationOutcome');
    const created = await fhir<Bundle>(base, 'GET', `ServiceRequest?identifier=${SR_SYSTEM}|${newValue}`);
    expect(searchCount(created.body)).toBe(0);
    const unchanged = await fhir<ServiceRequest>(base, 'GET', `ServiceRequest/${existing.body.id!}`);
    expect(unchanged.body.status).toBe('active');
  });

  test('a batch answers every entry with its own status', async () => {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { resource: serviceRequest(randomUUID()), request: { method: 'POST', url: 'ServiceRequest' } },
        { request: { method: 'GET', url: 'ServiceRequest/does-not-exist' } },
        {
          resource: { ...serviceRequest(randomUUID()), status: undefined } as unknown as ServiceRequest,
          request: { method: 'POST', url: 'ServiceRequest' },
        },
      ],
    };
    const reply = await fhir<Bundle>(base, 'POST', '', bundle);
    expect(reply.status).toBe(200);
    expect(reply.body.type).toBe('batch-response');
    expect(reply.body.entry?.map((e) => e.response?.status)).toEqual(['201', '404', '400']);
  });
});

describe('sandbox transaction rollback of updates', () => {
  test('an update written before a later entry fails is put back as it was', async () => {
    const a = await fhir<ServiceRequest>(base, 'POST', 'ServiceRequest', serviceRequest(randomUUID()));
    const b = await fhir<ServiceRequest>(base, 'POST', 'ServiceRequest', serviceRequest(randomUUID()));
    const failingPatch = [{ op: 'test', path: '/status', value: 'draft' }];
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        // Updates run before patches, so this update is written before the patch fails its test operation.
        {
          resource: { ...a.body, status: 'completed' },
          request: { method: 'PUT', url: `ServiceRequest/${a.body.id!}` },
        },
        {
          resource: {
            resourceType: 'Binary',
            contentType: 'application/json-patch+json',
            data: Buffer.from(JSON.stringify(failingPatch)).toString('base64'),
          },
          request: { method: 'PATCH', url: `ServiceRequest/${b.body.id!}` },
        },
      ],
    };
    const reply = await fhir<OperationOutcome>(base, 'POST', '', bundle);
    expect(reply.status).toBe(400);

    const after = await fhir<ServiceRequest>(base, 'GET', `ServiceRequest/${a.body.id!}`);
    expect(after.body.status).toBe('active');
    expect(after.body.meta?.versionId).toBe('1');
    const next = await fhir<ServiceRequest>(base, 'PUT', `ServiceRequest/${a.body.id!}`, after.body);
    expect(next.body.meta?.versionId).toBe('2');
  });
});

describe('sandbox concurrency', () => {
  test('concurrent conditional creates and updates of one identifier leave one resource', async () => {
    const value = randomUUID();
    const url = `ServiceRequest?identifier=${encodeURIComponent(`${SR_SYSTEM}|${value}`)}`;
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0
          ? fhir(base, 'PUT', url, serviceRequest(value))
          : fhir(base, 'POST', 'ServiceRequest', serviceRequest(value), {
              'if-none-exist': `identifier=${SR_SYSTEM}|${value}`,
            }),
      ),
    );
    for (const reply of replies) {
      expect([200, 201]).toContain(reply.status);
    }
    const found = await fhir<Bundle>(base, 'GET', url);
    expect(searchCount(found.body)).toBe(1);
  });
});

describe('sandbox transactions larger than FhirRouter allows with conditional entries', () => {
  const OBS_SYSTEM = 'https://example.org/test/observation-id';

  function largeTransaction(srValue: string, obsPrefix: string): Bundle {
    const srUrn = `urn:uuid:${randomUUID()}`;
    return {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: srUrn,
          resource: serviceRequest(srValue),
          request: { method: 'POST', url: 'ServiceRequest', ifNoneExist: `identifier=${SR_SYSTEM}|${srValue}` },
        },
        ...Array.from({ length: 11 }, (_, i) => ({
          fullUrl: `urn:uuid:${randomUUID()}`,
          resource: {
            resourceType: 'Observation' as const,
            identifier: [{ system: OBS_SYSTEM, value: `${obsPrefix}-${i}` }],
            status: 'final' as const,
            code: { text: 'Wellbeing score' },
            subject: { reference: 'Patient/sandbox-patient-3' },
            basedOn: [{ reference: srUrn }],
          },
          request: { method: 'PUT' as const, url: `Observation?identifier=${OBS_SYSTEM}|${obsPrefix}-${i}` },
        })),
      ],
    };
  }

  test('12 conditional entries are accepted, resolved and idempotent', async () => {
    const srValue = randomUUID();
    const obsPrefix = randomUUID();
    const first = await fhir<Bundle>(base, 'POST', '', largeTransaction(srValue, obsPrefix));
    expect(first.status).toBe(200);
    expect(first.body.entry?.map((e) => e.response?.status)).toEqual(Array(12).fill('201'));
    const srId = first.body.entry![0]!.resource!.id!;
    for (const entry of first.body.entry!.slice(1)) {
      expect((entry.resource as Observation).basedOn?.[0]?.reference).toBe(`ServiceRequest/${srId}`);
    }

    const second = await fhir<Bundle>(base, 'POST', '', largeTransaction(srValue, obsPrefix));
    expect(second.status).toBe(200);
    expect(second.body.entry?.map((e) => e.response?.status)).toEqual(Array(12).fill('200'));
    expect(second.body.entry![0]!.resource!.id).toBe(srId);
    for (const [i, entry] of second.body.entry!.slice(1).entries()) {
      expect(entry.resource!.id).toBe(first.body.entry![i + 1]!.resource!.id);
      expect(entry.resource!.meta?.versionId).toBe('2');
      // The matched conditional create's urn:uuid now points at the resource that already existed.
      expect((entry.resource as Observation).basedOn?.[0]?.reference).toBe(`ServiceRequest/${srId}`);
    }
    const srs = await fhir<Bundle>(base, 'GET', `ServiceRequest?identifier=${SR_SYSTEM}|${srValue}`);
    expect(searchCount(srs.body)).toBe(1);
  });

  test('a conditional entry matching several resources rejects the transaction with 412', async () => {
    const srValue = randomUUID();
    await fhir(base, 'POST', 'ServiceRequest', serviceRequest(srValue));
    await fhir(base, 'POST', 'ServiceRequest', serviceRequest(srValue));
    const obsPrefix = randomUUID();
    const reply = await fhir<OperationOutcome>(base, 'POST', '', largeTransaction(srValue, obsPrefix));
    expect(reply.status).toBe(412);
    expect(reply.body.issue[0]?.expression).toEqual(['Bundle.entry[0].request.url']);
    const observations = await fhir<Bundle>(base, 'GET', `Observation?identifier=${OBS_SYSTEM}|${obsPrefix}-0`);
    expect(searchCount(observations.body)).toBe(0);
  });
});

describe('sandbox validation', () => {
  test('each resource of a transaction is validated once, and a plain create once', async () => {
    const srUrn = `urn:uuid:${randomUUID()}`;
    const srValue = randomUUID();
    const goalValue = randomUUID();
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: srUrn,
          resource: serviceRequest(srValue),
          request: { method: 'PUT', url: `ServiceRequest?identifier=${SR_SYSTEM}|${srValue}` },
        },
        {
          fullUrl: `urn:uuid:${randomUUID()}`,
          resource: {
            resourceType: 'Goal',
            identifier: [{ system: GOAL_SYSTEM, value: goalValue }],
            lifecycleStatus: 'active',
            description: { text: 'Join a walking group' },
            subject: { reference: 'Patient/sandbox-patient-1' },
            addresses: [{ reference: srUrn }],
          },
          request: { method: 'POST', url: 'Goal' },
        },
      ],
    };
    const before = sandbox.repository.validations;
    const reply = await fhir<Bundle>(base, 'POST', '', bundle);
    expect(reply.status).toBe(200);
    expect(reply.body.entry?.map((e) => e.response?.status)).toEqual(['201', '201']);
    expect(sandbox.repository.validations - before).toBe(2);

    const single = await fhir<ServiceRequest>(base, 'POST', 'ServiceRequest', serviceRequest(randomUUID()));
    expect(single.status).toBe(201);
    expect(sandbox.repository.validations - before).toBe(3);
  });

  test('a resource validated ahead but changed before its write is validated again', async () => {
    const repo = new ValidatingMemoryRepository();
    const resource = serviceRequest(randomUUID());
    repo.validateAhead(resource);
    await repo.createResource({ ...resource, status: 'on-hold' });
    await repo.createResource(resource);
    // Ahead once, the changed copy once; the unchanged one used the remembered check.
    expect(repo.validations).toBe(2);
    await repo.createResource(resource);
    expect(repo.validations).toBe(3);
  });
});
