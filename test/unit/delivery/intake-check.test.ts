// The intake check in a pool of worker threads gives the answers the in-process check gives, OperationOutcome
// issue for issue, on valid messages, on messages that would not conform and on one the mapping cannot take; and
// the pool shuts down cleanly, refusing later checks.
import { join } from 'node:path';
import { createConformanceChecker } from '../../../src/conformance';
import type { IntakeCheck } from '../../../src/delivery/intake-check';
import { inProcessIntakeCheck, startIntakeCheckPool } from '../../../src/delivery/intake-check';
import type { InboundMessage, MessageKind } from '../../../src/messages/schemas';
import { validateInbound } from '../../../src/messages/validate';
import { silentLogger } from '../../../src/observability/logger';
import { goalDoc, journeyBody, outcomeNoteDoc, referralDoc } from '../../support/fixtures';

const NOW = new Date('2026-12-01T12:00:00Z');
const SUPPORT = join(__dirname, '..', '..', 'support');

function validated(kind: MessageKind, body: unknown): InboundMessage {
  const result = validateInbound(kind, body, NOW);
  if (!result.ok) {
    throw new Error(JSON.stringify(result.issues));
  }
  return result.message;
}

/** A valid message changed after validation, as a mapping or profile change could make one fail. */
function changed(change: (body: Record<string, unknown>) => void): InboundMessage {
  const message = validated('referral', referralDoc());
  change(message.body);
  return message;
}

const VALID: readonly InboundMessage[] = [
  validated('referral', referralDoc()),
  validated('goal', goalDoc('REF-1')),
  validated('outcome-note', outcomeNoteDoc('REF-1')),
  validated('outcome-note', journeyBody('b-anchoring/02-contact.json')),
  validated('support-plan', journeyBody('b-anchoring/04-support-plan.json')),
  validated('connection', journeyBody('b-anchoring/05-connection.json')),
  validated('referral', journeyBody('b-anchoring/07-closure.json')),
];

const NOT_CONFORMING: readonly InboundMessage[] = [
  changed((body) => {
    body.urgency = 'bogus';
  }),
  changed((body) => {
    (body.linkWorker as Record<string, unknown>).name = 'a\u0001b';
  }),
  changed((body) => {
    body.status = 'weird';
  }),
];

async function answer(check: IntakeCheck, message: InboundMessage): Promise<unknown> {
  try {
    return { issues: await check.errors(message, NOW) };
  } catch (err) {
    return { threw: (err as Error).message };
  }
}

describe('a pool of two threads', () => {
  const inProcess = inProcessIntakeCheck(createConformanceChecker());
  let pool: IntakeCheck;

  beforeAll(async () => {
    pool = startIntakeCheckPool({ threads: 2, logger: silentLogger() });
    await pool.ready();
  });

  afterAll(async () => {
    await pool.close();
  });

  test('answers valid messages as the in-process check does: no problems', async () => {
    const pooled = await Promise.all(VALID.map((message) => answer(pool, message)));
    const local = await Promise.all(VALID.map((message) => answer(inProcess, message)));
    expect(local).toEqual(VALID.map(() => ({ issues: [] })));
    expect(pooled).toEqual(local);
  });

  test('names the same problems, in the same order, for messages that would not conform', async () => {
    const pooled = await Promise.all(NOT_CONFORMING.map((message) => answer(pool, message)));
    const local = await Promise.all(NOT_CONFORMING.map((message) => answer(inProcess, message)));
    for (const result of local) {
      expect((result as { issues: unknown[] }).issues.length).toBeGreaterThan(0);
    }
    expect(pooled).toEqual(local);
  });

  test('fails a check the mapping throws on with the same error', async () => {
    const broken = changed((body) => {
      body.reasons = null;
    });
    const local = await answer(inProcess, broken);
    expect(local).toEqual({ threw: expect.any(String) as unknown });
    expect(await answer(pool, broken)).toEqual(local);
  });

  test('keeps answering many checks at once, each with its own answer', async () => {
    const messages = Array.from({ length: 40 }, (_, i) =>
      i % 3 === 0 ? NOT_CONFORMING[i % NOT_CONFORMING.length] : VALID[i % VALID.length],
    ).filter((message) => message !== undefined);
    const pooled = await Promise.all(messages.map((message) => answer(pool, message)));
    const local = await Promise.all(messages.map((message) => answer(inProcess, message)));
    expect(pooled).toEqual(local);
  });
});

test('close waits for the checks in flight, then refuses new ones', async () => {
  const pool = startIntakeCheckPool({ threads: 1, logger: silentLogger() });
  await pool.ready();
  const inFlight = pool.errors(validated('referral', referralDoc()), NOW);
  await pool.close();
  await expect(inFlight).resolves.toEqual([]);
  await expect(pool.errors(validated('referral', referralDoc()), NOW)).rejects.toThrow('the intake check is closed');
});

test('a thread that cannot start fails ready() and every check sent to it', async () => {
  const pool = startIntakeCheckPool({
    threads: 1,
    logger: silentLogger(),
    workerFile: join(SUPPORT, 'failing-intake-check-worker.ts'),
  });
  await expect(pool.ready()).rejects.toThrow('the profiles could not be loaded');
  // A check sent to it fails at once with the same reason rather than waiting for an answer that cannot come.
  await expect(pool.errors(validated('referral', referralDoc()), NOW)).rejects.toThrow(
    'the profiles could not be loaded',
  );
  await pool.close();
});

test('a thread that stops fails the check it held and is replaced', async () => {
  const pool = startIntakeCheckPool({
    threads: 1,
    logger: silentLogger(),
    workerFile: join(SUPPORT, 'exiting-intake-check-worker.ts'),
  });
  await pool.ready();
  const message = validated('referral', referralDoc());
  await expect(pool.errors(message, NOW)).rejects.toThrow('the intake check thread exited with code 3');
  // The replacement is the same module, so it fails the next check the same way: a thread is there to take it.
  await expect(pool.errors(message, NOW)).rejects.toThrow('the intake check thread exited with code 3');
  await pool.close();
});
