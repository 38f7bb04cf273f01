/**
 * Every decision deliverMessage makes, without Redis or HTTP: the in-memory lifecycle records which named
 * transition each attempt asked for (and with what reason, wait and OperationOutcome), and the scripted EHR which
 * requests it was sent. The same paths run end to end against Redis and the sandbox in test/integration/.
 */
import type { OperationOutcome, OperationOutcomeIssue, ServiceRequest } from '@medplum/fhirtypes';
import { AccessTokenError } from '../../../src/delivery/access-token';
import type { DeliveryDecision } from '../../../src/delivery/deliver-message';
import { LEASE_BUSY_RETRY_MS, deliverMessage } from '../../../src/delivery/deliver-message';
import { EhrUnreachableError } from '../../../src/delivery/fhir-client';
import { EXTENSIONS, SYSTEMS } from '../../../src/mapping/codes';
import { goalDoc, referralDoc } from '../../support/fixtures';
import type { FixtureOptions } from './fakes/delivery-fixture';
import { ENDPOINT_ID, MESSAGE_ID, REQUEST_MS, RETRY, START, deliveryFixture } from './fakes/delivery-fixture';
import type { RecordedTransition } from './fakes/message-lifecycle';
import { InMemoryLeases } from './fakes/record-leases';
import { PATIENT_ID, response, searchset, transactionResponse } from './fakes/scripted-ehr';

/** The first retry waits 3/4 of baseDelayMs with random() = 0.5 ("equal jitter": half fixed, half random). */
const FIRST_RETRY_MS = 750;
const PATIENT_REF = `Patient/${PATIENT_ID}`;

function operationOutcome(code: OperationOutcomeIssue['code'], text: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics: text }] };
}

async function deliver(options: FixtureOptions = {}) {
  const fixture = deliveryFixture(options);
  const decision = await deliverMessage(MESSAGE_ID, fixture.deps);
  return { ...fixture, decision };
}

/** Narrows a recorded transition to the named one, failing the test otherwise. */
function expectTransition<K extends RecordedTransition['name']>(
  transition: RecordedTransition,
  name: K,
): Extract<RecordedTransition, { name: K }> {
  expect(transition.name).toBe(name);
  expect(transition.applied).toBe(true);
  return transition as Extract<RecordedTransition, { name: K }>;
}

describe('a delivered message', () => {
  test('is recorded delivered with every written resource, the patient and the HTTP status', async () => {
    const { decision, lifecycle, ehr, message, leases } = await deliver();

    expect(decision).toEqual<DeliveryDecision>({ kind: 'delivered' });
    const delivered = expectTransition(lifecycle.only(), 'delivered');
    const sent = ehr.requests.find((request) => request.step === 'transaction')?.bundle;
    expect(delivered.result.resources).toHaveLength(sent?.entry?.length ?? -1);
    const source = message.body.source;
    expect(delivered.result.resources[0]).toEqual({
      resourceType: 'ServiceRequest',
      reference: 'ServiceRequest/servicerequest-0',
      versionId: '1',
      status: '201 Created',
      identifier: `${source.system}|referral/${source.recordId}`,
    });
    expect(delivered.result).toMatchObject({ patientRef: PATIENT_REF, httpStatus: 200, handOff: false });
    expect(leases.releases).toBe(1);
    expect(leases.held.size).toBe(0);
  });

  test('the attempt facts name the claim, the endpoint, the practice and how long the attempt took', async () => {
    const { lifecycle, message } = await deliver();

    expect(lifecycle.only().facts).toEqual({
      messageId: MESSAGE_ID,
      attempt: 1,
      requestId: `${MESSAGE_ID}.1`,
      endpointId: ENDPOINT_ID,
      practice: message.body.gpPractice.odsCode,
      startedAt: START,
      // Three requests: patient lookup, version check, transaction.
      at: new Date(START.getTime() + 3 * REQUEST_MS),
    });
  });

  test('the EHR is asked for the patient, then the version it holds, then the transaction, all with one request id', async () => {
    const { ehr, message } = await deliver();

    expect(ehr.steps()).toEqual(['patient lookup', 'version check', 'transaction']);
    expect(ehr.requests[0]?.query).toMatchObject({
      identifier: `${SYSTEMS.nhsNumber}|${message.body.patient.nhsNumber}`,
    });
    expect(new Set(ehr.requests.map((request) => request.requestId))).toEqual(new Set([`${MESSAGE_ID}.1`]));
  });

  test('a goal is delivered once its referral is found, which takes one more lookup', async () => {
    const { decision, ehr } = await deliver({ message: { kind: 'goal', body: goalDoc('REF-1') } });

    expect(decision.kind).toBe('delivered');
    expect(ehr.steps()).toEqual(['patient lookup', 'referral lookup', 'version check', 'transaction']);
  });

  test('an endpoint that forwards AuditEvents gets the hand-off with the delivered transition', async () => {
    const { lifecycle } = await deliver({ endpoint: { auditEvents: { send: 'ehr' } } });

    expect(expectTransition(lifecycle.only(), 'delivered').result.handOff).toBe(true);
  });

  test('the next attempt after a crash in delivering is claimed with the next attempt number', async () => {
    const { decision, lifecycle, ehr } = await deliver({ record: { status: 'delivering', attempts: 2 } });

    expect(decision.kind).toBe('delivered');
    expect(lifecycle.only().facts).toMatchObject({ attempt: 3, requestId: `${MESSAGE_ID}.3` });
    expect(ehr.requests.every((request) => request.requestId === `${MESSAGE_ID}.3`)).toBe(true);
  });

  test('conformance warnings alone do not stop the delivery', async () => {
    const { decision } = await deliver({
      conformance: { check: () => [{ severity: 'warning', code: 'informational', diagnostics: 'display differs' }] },
    });

    expect(decision.kind).toBe('delivered');
  });
});

describe('an endpoint whose only route is mesh-send-document', () => {
  test('makes no FHIR request and records the message as handed to the Send Document route', async () => {
    const fixture = deliveryFixture();
    // The registry builds no FHIR client for an endpoint without route "fhir".
    const meshOnly = { config: fixture.endpoint.config };
    const deps = { ...fixture.deps, endpoints: { get: (id: string) => (id === ENDPOINT_ID ? meshOnly : undefined) } };

    const decision = await deliverMessage(MESSAGE_ID, deps);

    expect(decision).toEqual<DeliveryDecision>({ kind: 'delivered' });
    expectTransition(fixture.lifecycle.only(), 'handedToDocumentRoute');
    expect(fixture.ehr.requests).toEqual([]);
    expect(fixture.leases.releases).toBe(1);
  });
});

describe('superseded', () => {
  test('when the EHR holds a newer version of the record, nothing is written and the EHR version is kept', async () => {
    const message = { kind: 'referral', body: referralDoc() } as const;
    const newer: ServiceRequest = {
      resourceType: 'ServiceRequest',
      id: 'sr-1',
      status: 'active',
      intent: 'order',
      subject: { reference: PATIENT_REF },
      extension: [{ url: EXTENSIONS.sourceRecordVersion, valueInteger: message.body.source.recordVersion + 2 }],
    };
    const { decision, lifecycle, ehr } = await deliver({
      message,
      script: { 'version check': () => searchset([newer]) },
    });

    const superseded = expectTransition(lifecycle.only(), 'superseded');
    const version = message.body.source.recordVersion;
    expect(superseded.result).toEqual({
      reason: `the EHR already holds version ${version + 2} of this record; version ${version} is older and was not written`,
      ehrVersion: version + 2,
    });
    expect(decision).toEqual({ kind: 'superseded', reason: superseded.result.reason });
    expect(ehr.steps()).not.toContain('transaction');
  });

  test('the same version in the EHR is written again, completing an attempt that crashed mid-way', async () => {
    const message = { kind: 'referral', body: referralDoc() } as const;
    const same: ServiceRequest = {
      resourceType: 'ServiceRequest',
      id: 'sr-1',
      status: 'active',
      intent: 'order',
      subject: { reference: PATIENT_REF },
      extension: [{ url: EXTENSIONS.sourceRecordVersion, valueInteger: message.body.source.recordVersion }],
    };
    const { decision, ehr } = await deliver({ message, script: { 'version check': () => searchset([same]) } });

    expect(decision.kind).toBe('delivered');
    expect(ehr.steps()).toContain('transaction');
  });
});

describe('retried later', () => {
  test('429 without Retry-After waits the backoff', async () => {
    const { decision, lifecycle } = await deliver({ script: { transaction: () => response(429) } });

    const retry = expectTransition(lifecycle.only(), 'retryLater');
    expect(retry.result).toMatchObject({ httpStatus: 429, retryInMs: FIRST_RETRY_MS });
    expect(retry.result.reason).toContain('transaction: HTTP 429');
    expect(decision).toEqual({ kind: 'retry', reason: retry.result.reason, delayMs: FIRST_RETRY_MS });
  });

  test('429 with Retry-After waits as long as the EHR asked, plus a little jitter, and counts as throttled', async () => {
    const { decision, lifecycle } = await deliver({
      script: { transaction: () => response(429, undefined, { 'retry-after': '30' }) },
    });

    // The jitter on a server's wait is up to a tenth of it (at most 1 s); random() = 0.5 takes half of that.
    expect(expectTransition(lifecycle.only(), 'retryLater').result).toMatchObject({
      httpStatus: 429,
      retryInMs: 30_500,
      throttledAttempts: 1,
    });
    expect(decision).toMatchObject({ kind: 'retry', delayMs: 30_500 });
  });

  test("a message throttled many times waits for the server's reset, not a backoff grown by its attempts", async () => {
    const { lifecycle } = await deliver({
      record: { attempts: 8, throttledAttempts: 8 },
      script: { 'patient lookup': () => response(429, undefined, { ratelimit: '"fhirInteractions";r=0;t=2' }) },
    });

    expect(expectTransition(lifecycle.only(), 'retryLater').result).toMatchObject({
      httpStatus: 429,
      retryInMs: 2100,
      throttledAttempts: 9,
    });
  });

  test('throttled attempts do not lengthen the backoff of a later failure the server did not time', async () => {
    const race = operationOutcome('conflict', 'could not serialize access due to read/write dependencies');
    const { lifecycle } = await deliver({
      // Attempt 9, of which 8 were throttled: the backoff is that of a first failure.
      record: { attempts: 8, throttledAttempts: 8 },
      script: { transaction: () => response(409, race) },
    });

    const retry = expectTransition(lifecycle.only(), 'retryLater');
    expect(retry.result).toMatchObject({ httpStatus: 409, retryInMs: FIRST_RETRY_MS });
    // Not throttled itself: the count stays as it was.
    expect(retry.result.throttledAttempts).toBeUndefined();
  });

  test("without a wait of its own, the backoff stops at the server's rate-limit window", async () => {
    const { lifecycle } = await deliver({
      record: { attempts: 9 },
      serverWindowMs: 4000,
      script: { transaction: () => response(503) },
    });

    // Attempt 10's backoff would be some 384 s, past the policy's 60 s cap; the server's window is 4 s.
    expect(expectTransition(lifecycle.only(), 'retryLater').result).toMatchObject({ httpStatus: 503, retryInMs: 4000 });
  });

  test('a 5xx on the patient lookup is retried with the EHR OperationOutcome in the reason, and nothing is written', async () => {
    const { lifecycle, ehr } = await deliver({
      script: { 'patient lookup': () => response(503, operationOutcome('transient', 'database restarting')) },
    });

    const retry = expectTransition(lifecycle.only(), 'retryLater');
    expect(retry.result).toEqual({
      reason: 'patient lookup: HTTP 503 (database restarting)',
      httpStatus: 503,
      retryInMs: FIRST_RETRY_MS,
    });
    expect(ehr.steps()).toEqual(['patient lookup']);
  });

  test.each([
    ['a timeout', 'the EHR did not answer before the request timeout'],
    ['a refused connection', 'could not reach the EHR (ECONNREFUSED)'],
  ])('%s is retried without an HTTP status', async (_what, text) => {
    const { lifecycle } = await deliver({
      script: {
        transaction: () => {
          throw new EhrUnreachableError(text, 2000);
        },
      },
    });

    const retry = expectTransition(lifecycle.only(), 'retryLater');
    expect(retry.result).toEqual({ reason: text, httpStatus: undefined, retryInMs: FIRST_RETRY_MS });
  });

  test('a token endpoint that is down is retried, honouring its Retry-After', async () => {
    const text = 'the token endpoint https://auth.example.org/token answered HTTP 503';
    const { lifecycle } = await deliver({
      script: {
        'patient lookup': () => {
          throw new AccessTokenError(text, false, 503, 5000);
        },
      },
    });

    const retry = expectTransition(lifecycle.only(), 'retryLater');
    // The token endpoint's 5 s, plus half (random() = 0.5) of the jitter of up to a tenth of it.
    expect(retry.result).toEqual({
      reason: `no access token: ${text}`,
      httpStatus: 503,
      retryInMs: 5250,
      throttledAttempts: 1,
    });
  });

  test('a transient status on one entry of a 200 transaction-response is retried', async () => {
    // The same resource's entry fails however often it is sent (the adapter sends failed entries again).
    let failing: string | undefined;
    const { lifecycle } = await deliver({
      script: {
        transaction: (request) => {
          failing ??= request.bundle?.entry?.[1]?.fullUrl;
          const index = request.bundle?.entry?.findIndex((entry) => entry.fullUrl === failing) ?? -1;
          return transactionResponse(
            request.bundle,
            index >= 0 ? { [index]: { status: '503 Service Unavailable' } } : {},
          );
        },
      },
    });

    const retry = expectTransition(lifecycle.only(), 'retryLater');
    expect(retry.result).toMatchObject({ httpStatus: 503, retryInMs: FIRST_RETRY_MS });
    expect(retry.result.reason).toContain('entry status 503 Service Unavailable');
  });

  test('429 with only a RateLimit header waits for the limit to reset', async () => {
    const { lifecycle } = await deliver({
      script: { transaction: () => response(429, undefined, { ratelimit: 'limit=50, remaining=0, reset=20' }) },
    });

    expect(expectTransition(lifecycle.only(), 'retryLater').result).toMatchObject({
      httpStatus: 429,
      retryInMs: 20_500,
      throttledAttempts: 1,
    });
  });

  test('503 with only X-RateLimit-Reset waits for the limit to reset', async () => {
    const { lifecycle } = await deliver({
      script: { 'patient lookup': () => response(503, undefined, { 'x-ratelimit-reset': '8' }) },
    });

    expect(expectTransition(lifecycle.only(), 'retryLater').result).toMatchObject({
      httpStatus: 503,
      retryInMs: 8400,
      throttledAttempts: 1,
    });
  });

  test('a 409 reporting a serialization failure is retried', async () => {
    const race = operationOutcome('processing', 'could not serialize access due to concurrent update');
    const { lifecycle } = await deliver({ script: { transaction: () => response(409, race) } });

    const retry = expectTransition(lifecycle.only(), 'retryLater');
    expect(retry.result).toEqual({
      reason: 'transaction: HTTP 409 (could not serialize access due to concurrent update)',
      httpStatus: 409,
      retryInMs: FIRST_RETRY_MS,
    });
  });

  test('a 412 version conflict on one entry of a 200 transaction-response is retried', async () => {
    const race = operationOutcome('conflict', 'version conflict: Goal was updated concurrently');
    const { lifecycle } = await deliver({
      script: {
        transaction: (request) =>
          transactionResponse(request.bundle, { 0: { status: '412 Precondition Failed', outcome: race } }),
      },
    });

    const retry = expectTransition(lifecycle.only(), 'retryLater');
    expect(retry.result).toMatchObject({ httpStatus: 412, retryInMs: FIRST_RETRY_MS });
    expect(retry.result.reason).toContain('version conflict');
  });

  test('a goal whose referral is not in the EHR yet is retried', async () => {
    const { lifecycle, ehr } = await deliver({
      message: { kind: 'goal', body: goalDoc('REF-LATE') },
      script: { 'referral lookup': () => searchset([]) },
    });

    const retry = expectTransition(lifecycle.only(), 'retryLater');
    expect(retry.result.reason).toBe('referral REF-LATE is not in the EHR yet');
    expect(ehr.steps()).toEqual(['patient lookup', 'referral lookup']);
  });

  test('the backoff doubles with each attempt', async () => {
    const { lifecycle } = await deliver({ record: { attempts: 2 }, script: { transaction: () => response(500) } });

    // Attempt 3: 3/4 of 1000 × 2².
    expect(expectTransition(lifecycle.only(), 'retryLater').result.retryInMs).toBe(3000);
  });

  test('a replayed message counts its maximum age from the replay', async () => {
    const { lifecycle } = await deliver({
      record: {
        receivedAt: new Date(START.getTime() - 2 * RETRY.maxAgeMs).toISOString(),
        replayedAt: new Date(START.getTime() - 1000).toISOString(),
      },
      script: { transaction: () => response(503) },
    });

    expect(lifecycle.only().name).toBe('retryLater');
  });
});

describe('failed for good', () => {
  test('a 4xx answer fails with the EHR OperationOutcome kept, naming the resolved patient', async () => {
    const refusal = operationOutcome('required', 'ServiceRequest.requester: minimum required = 1');
    const { decision, lifecycle } = await deliver({ script: { transaction: () => response(422, refusal) } });

    const failed = expectTransition(lifecycle.only(), 'failed');
    expect(failed.result).toEqual({
      reason: 'transaction: HTTP 422 (ServiceRequest.requester: minimum required = 1)',
      outcome: refusal,
      httpStatus: 422,
      patientRef: PATIENT_REF,
      handOff: false,
    });
    expect(decision).toEqual({ kind: 'failed', reason: failed.result.reason });
  });

  test('a 4xx without an OperationOutcome fails with one that names the status', async () => {
    const { lifecycle } = await deliver({ script: { transaction: () => response(400, 'Bad Request') } });

    const failed = expectTransition(lifecycle.only(), 'failed');
    expect(failed.result.outcome?.issue[0]).toMatchObject({
      code: 'exception',
      details: { text: 'transaction: the EHR answered HTTP 400' },
    });
  });

  test('a refused token fails at once, as a security problem', async () => {
    const text = 'the token endpoint https://auth.example.org/token answered HTTP 401 (invalid_client)';
    const { lifecycle, ehr } = await deliver({
      script: {
        'patient lookup': () => {
          throw new AccessTokenError(text, true, 401);
        },
      },
    });

    const failed = expectTransition(lifecycle.only(), 'failed');
    expect(failed.result).toMatchObject({ reason: `no access token: ${text}`, httpStatus: 401, handOff: false });
    expect(failed.result.outcome?.issue[0]?.code).toBe('security');
    expect(failed.result.patientRef).toBeUndefined();
    expect(ehr.steps()).toEqual(['patient lookup']);
  });

  test('a permanent status on one entry of a 200 transaction-response fails with that entry outcome', async () => {
    const duplicate = operationOutcome('duplicate', 'a ServiceRequest with this identifier exists in another practice');
    const { lifecycle } = await deliver({
      script: {
        transaction: (request) =>
          transactionResponse(request.bundle, { 0: { status: '409 Conflict', outcome: duplicate } }),
      },
    });

    const failed = expectTransition(lifecycle.only(), 'failed');
    expect(failed.result).toMatchObject({ outcome: duplicate, httpStatus: 409, patientRef: PATIENT_REF });
    expect(failed.result.reason).toContain('entry status 409 Conflict');
  });

  test('a business 409 (a duplicate) fails for good, keeping the EHR OperationOutcome', async () => {
    const duplicate = operationOutcome('duplicate', 'a referral with this identifier already exists');
    const { lifecycle } = await deliver({ script: { transaction: () => response(409, duplicate) } });

    expect(expectTransition(lifecycle.only(), 'failed').result).toMatchObject({ outcome: duplicate, httpStatus: 409 });
  });

  test('an unknown patient fails naming patient.nhsNumber, with the NHS number masked, and nothing is written', async () => {
    const { lifecycle, ehr, message } = await deliver({ script: { 'patient lookup': () => searchset([]) } });

    const failed = expectTransition(lifecycle.only(), 'failed');
    expect(failed.result.outcome?.issue[0]).toMatchObject({ code: 'not-found', expression: ['patient.nhsNumber'] });
    expect(failed.result.reason).toContain('has no patient with NHS number');
    expect(failed.result.reason).not.toContain(message.body.patient.nhsNumber);
    expect(failed.result.patientRef).toBeUndefined();
    expect(ehr.steps()).toEqual(['patient lookup']);
  });

  test('an ambiguous patient fails', async () => {
    const { lifecycle } = await deliver({
      script: {
        'patient lookup': () =>
          searchset([
            { resourceType: 'Patient', id: 'a' },
            { resourceType: 'Patient', id: 'b' },
          ]),
      },
    });

    const failed = expectTransition(lifecycle.only(), 'failed');
    expect(failed.result.reason).toContain('has more than one patient with NHS number');
  });

  test('mapped resources that do not conform fail with the problems, and nothing is sent', async () => {
    const problem: OperationOutcomeIssue = {
      severity: 'error',
      code: 'invariant',
      details: { text: 'ServiceRequest.code: missing' },
      expression: ['ServiceRequest.code'],
    };
    const { lifecycle, ehr } = await deliver({
      conformance: { check: (resource) => (resource.resourceType === 'ServiceRequest' ? [problem] : []) },
    });

    const failed = expectTransition(lifecycle.only(), 'failed');
    expect(failed.result.outcome).toEqual({
      resourceType: 'OperationOutcome',
      issue: [problem],
    });
    expect(failed.result.reason).toContain('do not conform to their profiles: ServiceRequest.code: missing');
    expect(ehr.steps()).toEqual(['patient lookup']);
  });

  test('an endpoint no longer configured fails without a request or an audit hand-off', async () => {
    const { decision, lifecycle, ehr, leases } = await deliver({ record: { endpointId: 'retired-ehr' } });

    const failed = expectTransition(lifecycle.only(), 'failed');
    expect(failed.result).toMatchObject({ reason: 'endpoint "retired-ehr" is no longer configured', handOff: false });
    expect(failed.result.outcome?.issue[0]?.code).toBe('not-found');
    expect(decision.kind).toBe('failed');
    expect(ehr.requests).toEqual([]);
    // Without the endpoint's timeout the lease covers the default 30 s request timeout.
    expect(leases.taken[0]?.ttlMs).toBe(30_000 * 5 + 10_000);
  });

  test('a crash inside the attempt fails visibly, is logged with the message id, and releases the lease', async () => {
    const { lifecycle, logged, leases } = await deliver({
      conformance: {
        check: () => {
          throw new Error('profile index is corrupt');
        },
      },
    });

    const failed = expectTransition(lifecycle.only(), 'failed');
    expect(failed.result.reason).toBe('internal error while delivering: profile index is corrupt');
    expect(failed.result.outcome?.issue[0]?.code).toBe('exception');
    expect(logged).toEqual([expect.objectContaining({ msg: 'delivery attempt crashed', messageId: MESSAGE_ID })]);
    expect(leases.releases).toBe(1);
  });

  test('a retry that would take the message past its maximum age fails with the last error', async () => {
    const { decision, lifecycle } = await deliver({
      // Only 500 ms of the maximum age left: shorter than the first backoff.
      record: { receivedAt: new Date(START.getTime() - RETRY.maxAgeMs + 500).toISOString() },
      script: { transaction: () => response(503) },
      endpoint: { auditEvents: { send: 'ehr' } },
    });

    const failed = expectTransition(lifecycle.only(), 'failed');
    const reason =
      'gave up after 1 attempts: the message reached its maximum age; last error: transaction: HTTP 503 (transaction: the EHR answered HTTP 503)';
    expect(failed.result).toMatchObject({ reason, httpStatus: 503, patientRef: PATIENT_REF, handOff: true });
    expect(failed.result.outcome?.issue[0]).toMatchObject({ code: 'timeout', details: { text: reason } });
    expect(decision).toEqual({ kind: 'failed', reason });
  });

  test('a Retry-After reaching past the maximum age fails too', async () => {
    const { lifecycle } = await deliver({
      record: { receivedAt: new Date(START.getTime() - RETRY.maxAgeMs + 60_000).toISOString() },
      script: { transaction: () => response(429, undefined, { 'retry-after': '120' }) },
    });

    expect(expectTransition(lifecycle.only(), 'failed').result.reason).toContain('reached its maximum age');
  });
});

describe('nothing to record', () => {
  test('a busy lease means another delivery of the record is running: retry soon, without claiming', async () => {
    const fixture = deliveryFixture();
    const source = fixture.message.body.source;
    fixture.leases.held.add(
      InMemoryLeases.keyOf({ kind: 'referral', system: source.system, recordId: source.recordId }),
    );

    const decision = await deliverMessage(MESSAGE_ID, fixture.deps);

    expect(decision).toEqual({
      kind: 'retry',
      reason: 'another delivery of the same source record is in progress',
      delayMs: LEASE_BUSY_RETRY_MS,
    });
    expect(fixture.lifecycle.claims).toEqual([]);
    expect(fixture.ehr.requests).toEqual([]);
  });

  test('the lease lasts longer than every request of an attempt could take', async () => {
    const { leases, message } = await deliver();

    const source = message.body.source;
    expect(leases.taken).toEqual([
      {
        record: { kind: 'referral', system: source.system, recordId: source.recordId },
        ttlMs: RETRY.requestTimeoutMs * 5 + 10_000,
      },
    ]);
  });

  test.each(['delivered', 'failed', 'superseded'] as const)(
    'a message already %s is settled without a request',
    async (status) => {
      const { decision, lifecycle, ehr, leases } = await deliver({ record: { status } });

      expect(decision).toEqual({ kind: 'settled', reason: `message is ${status}` });
      expect(lifecycle.transitions).toEqual([]);
      expect(ehr.requests).toEqual([]);
      expect(leases.releases).toBe(1);
    },
  );

  test('a message that does not exist is settled without taking a lease', async () => {
    const fixture = deliveryFixture();
    fixture.lifecycle.delete(MESSAGE_ID);

    expect(await deliverMessage(MESSAGE_ID, fixture.deps)).toEqual({ kind: 'settled', reason: 'message not found' });
    expect(fixture.leases.taken).toEqual([]);
  });

  test('a message gone by the time of the claim is settled', async () => {
    const fixture = deliveryFixture();
    const stored = await fixture.lifecycle.get(MESSAGE_ID);
    fixture.lifecycle.delete(MESSAGE_ID);

    const decision = await deliverMessage(MESSAGE_ID, {
      ...fixture.deps,
      messages: { get: async () => Promise.resolve(stored), latestOfRecord: async () => Promise.resolve(undefined) },
    });

    expect(decision).toEqual({ kind: 'settled', reason: 'message not found' });
    expect(fixture.lifecycle.claims).toMatchObject([{ result: { ok: false, reason: 'missing' } }]);
    expect(fixture.ehr.requests).toEqual([]);
    expect(fixture.leases.releases).toBe(1);
  });

  test('a result is not recorded over a message that left delivering during the attempt', async () => {
    const fixture = deliveryFixture({
      script: {
        transaction: (request) => {
          // Another worker took over a lapsed lease and recorded its own result meanwhile.
          fixture.lifecycle.set(MESSAGE_ID, { status: 'queued' });
          return transactionResponse(request.bundle);
        },
      },
    });

    const decision = await deliverMessage(MESSAGE_ID, fixture.deps);

    expect(fixture.lifecycle.only()).toMatchObject({ name: 'delivered', applied: false });
    expect(decision).toEqual({
      kind: 'settled',
      reason: 'the message left delivering before attempt 1 recorded its result',
    });
  });
});
