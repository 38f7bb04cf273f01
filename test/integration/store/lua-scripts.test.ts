/**
 * The store's Lua scripts run directly against real Redis, case by case: each reply has the declared shape, the
 * ledger block indexes an entry exactly where ledger-keys.ts says, and no script touches a key it was not given in
 * KEYS (checked by listing every key under the test's prefix afterwards).
 */
import { Redis } from 'ioredis';
import { ledgerBlock } from '../../../src/store/ledger-block';
import { ledgerIndexKeys } from '../../../src/store/ledger-keys';
import { APPEND_ENTRY, APPEND_ONCE, PURGE_BODY } from '../../../src/store/ledger-scripts';
import { messageKeys } from '../../../src/store/keys';
import { CLAIM_MESSAGE, CREATE_MESSAGE, TRANSITION_MESSAGE } from '../../../src/store/message-scripts';
import { RESERVE_SLOT } from '../../../src/store/request-budget';
import { MESSAGE_STATUSES } from '../../../src/messages/record';
import { TEST_REDIS_URL, deleteKeys, uniquePrefix } from '../../support/redis';

const prefix = uniquePrefix('lua-scripts');
const keys = messageKeys(prefix);
const index = ledgerIndexKeys(keys.ledger);

let redis: Redis;
/** Every key passed to a script in this file, so the listing at the end can tell a stray key. */
const passed = new Set<string>();

async function run<Reply>(
  script: { run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<Reply> },
  scriptKeys: readonly string[],
  args: readonly (string | number)[],
): Promise<Reply> {
  scriptKeys.forEach((key) => passed.add(key));
  return script.run(redis, scriptKeys, args);
}

async function createMessage(
  id: string,
  at: number,
  idempotency = id,
  requestKey = idempotency,
  contentHash = `hash-${id}`,
): Promise<unknown> {
  const fields = ['id', id, 'status', 'queued', 'attempts', '0', 'recordVersion', '2', 'recordStatus', 'active'];
  const block = ledgerBlock(
    keys,
    { type: 'received', at: new Date(at).toISOString(), messageId: id, practice: 'A81001', endpoint: 'ep' },
    new Date(at),
  );
  return run(
    CREATE_MESSAGE,
    [
      keys.idempotency(idempotency),
      keys.idempotency(requestKey),
      keys.message(id),
      keys.outbox,
      keys.byStatus('queued'),
      keys.latestOfRecord('urn:sys', 'referral', 'rec-1'),
      keys.latestOfRecord('urn:sys', 'referral', 'rec-1'),
      ...block.keys,
    ],
    [id, contentHash, at, fields.length, ...fields, ...block.args],
  );
}

async function transition(
  id: string,
  change: {
    status: string;
    from: string;
    fields?: string[];
    ledger?: Record<string, string>;
    handOff?: string;
    expire?: string;
    /** The parts block: the writing record and its parts after the change (part key, part). */
    parts?: { writer: string; pairs: string[] };
  },
): Promise<unknown> {
  const block = ledgerBlock(keys, change.ledger);
  const handOff = change.handOff === undefined ? [] : [change.handOff];
  const fields = change.fields ?? [];
  const partsKeys =
    change.parts === undefined
      ? []
      : [keys.recordParts('urn:sys', 'support-plan', 'plan-1'), keys.partWriters('urn:sys')];
  return run(
    TRANSITION_MESSAGE,
    [keys.message(id), ...MESSAGE_STATUSES.map((s) => keys.byStatus(s)), ...handOff, ...partsKeys, ...block.keys],
    [
      MESSAGE_STATUSES.length,
      ...MESSAGE_STATUSES,
      change.status,
      change.from,
      1_000,
      '1',
      handOff.length,
      change.expire ?? '',
      fields.length,
      ...fields,
      ...(change.parts === undefined
        ? ['', 0]
        : [change.parts.writer, change.parts.pairs.length, ...change.parts.pairs]),
      ...block.args,
    ],
  );
}

beforeAll(() => {
  redis = new Redis(TEST_REDIS_URL);
});

afterAll(async () => {
  await redis.quit();
  await deleteKeys(prefix);
});

describe('create-message', () => {
  it.each([
    { name: 'a new idempotency key creates the message', id: 'm-new', key: 'k-new', reply: [1, 'm-new'] },
    { name: 'a taken key answers with the holder', id: 'm-other', key: 'k-new', reply: [0, 'm-new', 'hash-m-new'] },
  ])('$name', async ({ id, key, reply }) => {
    expect(await createMessage(id, 500, key)).toEqual(reply);
  });

  it('indexes the received entry by time, practice and endpoint and keeps the latest version', async () => {
    expect(await redis.zscore(index.received, 'm-new')).toBe('500');
    expect(await redis.zscore(index.practice('A81001'), 'm-new')).toBe('500');
    expect(await redis.zscore(index.endpoint('ep'), 'm-new')).toBe('500');
    expect(await redis.zscore(index.retained, 'm-new')).toBe('500');
    expect(await redis.llen(index.timeline('m-new'))).toBe(1);
    expect(await redis.hgetall(keys.latestOfRecord('urn:sys', 'referral', 'rec-1'))).toEqual({
      version: '2',
      messageId: 'm-new',
      status: 'active',
    });
    expect(await redis.exists(keys.message('m-other'))).toBe(0);
  });

  it('refuses a taken source identity whatever the request key, and takes both keys at once', async () => {
    // A new request key cannot let a second body in for a source identity already taken.
    expect(await createMessage('m-b', 600, 'src-b', 'req-b1')).toEqual([1, 'm-b']);
    expect(await createMessage('m-b2', 601, 'src-b', 'req-b2')).toEqual([0, 'm-b', 'hash-m-b']);
    expect(await redis.exists(keys.message('m-b2'))).toBe(0);
    // A taken request key with a new source identity answers with its holder.
    expect(await createMessage('m-b3', 602, 'src-b3', 'req-b1')).toEqual([0, 'm-b', 'hash-m-b']);
    expect(await redis.exists(keys.idempotency('src-b3'))).toBe(0);
    // The same body again under a new request key is a repeat, and that key now names the same message.
    expect(await createMessage('m-b4', 603, 'src-b', 'req-b4', 'hash-m-b')).toEqual([0, 'm-b', 'hash-m-b']);
    expect(await redis.get(keys.idempotency('req-b4'))).toBe('m-b hash-m-b');
  });
});

describe('transition-message', () => {
  beforeAll(async () => {
    await createMessage('m-tr', 700);
  });

  it.each([
    {
      name: 'an allowed move with no ledger entry',
      change: { status: 'delivering', from: 'queued delivering' },
      reply: ['ok', 'queued', 1],
    },
    {
      name: 'a move from a state not allowed',
      change: { status: 'delivered', from: 'queued' },
      reply: ['conflict', 'delivering'],
    },
    {
      name: 'a move with a ledger entry and a hand-off',
      change: {
        status: 'failed',
        from: 'delivering',
        fields: ['lastError', 'refused', 'nextAttemptAt', ''],
        ledger: { type: 'failed', messageId: 'm-tr', attempt: '2' },
        handOff: `${prefix}:handoff`,
      },
      reply: ['ok', 'delivering', 2],
    },
    {
      name: 'a message that does not exist',
      change: { status: 'queued', from: '' },
      id: 'm-none',
      reply: ['missing'],
    },
  ])('$name', async ({ change, reply, id }) => {
    expect(await transition(id ?? 'm-tr', change)).toEqual(reply);
  });

  it('moved the status indexes, the fields, the timeline and the hand-off', async () => {
    expect(await redis.zscore(keys.byStatus('failed'), 'm-tr')).toBe('1000');
    expect(await redis.zscore(keys.byStatus('queued'), 'm-tr')).toBeNull();
    expect(await redis.hget(keys.message('m-tr'), 'lastError')).toBe('refused');
    expect(await redis.llen(index.timeline('m-tr'))).toBe(2);
    expect(await redis.zrange(`${prefix}:handoff`, '0', '-1')).toEqual(['m-tr.2']);
  });

  it('expires a settled message and trims its status index; a move back into work keeps it again', async () => {
    await createMessage('m-ttl', 710);
    await redis.zadd(keys.byStatus('delivered'), -59_001, 'm-gone', -58_999, 'm-not-yet');
    await transition('m-ttl', { status: 'delivering', from: 'queued' });
    expect(await transition('m-ttl', { status: 'delivered', from: 'delivering', expire: '60000' })).toEqual([
      'ok',
      'delivering',
      2,
    ]);
    const ttl = await redis.pttl(keys.message('m-ttl'));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    // The script's clock reads 1000 ms: a member that settled before -59000 has expired by then.
    expect(await redis.zscore(keys.byStatus('delivered'), 'm-gone')).toBeNull();
    expect(await redis.zscore(keys.byStatus('delivered'), 'm-not-yet')).toBe('-58999');
    expect(await redis.zscore(keys.byStatus('delivered'), 'm-ttl')).toBe('1000');
    await transition('m-ttl', { status: 'queued', from: 'delivered', expire: '0' });
    expect(await redis.pttl(keys.message('m-ttl'))).toBe(-1);
  });

  it("replaces a record's parts and keeps the writers of each part, with the ledger entry after them", async () => {
    const recordParts = keys.recordParts('urn:sys', 'support-plan', 'plan-1');
    const writers = keys.partWriters('urn:sys');
    await createMessage('m-parts', 720);
    await redis.hset(writers, 'Goal g', 'goal/g');
    const first = {
      status: 'delivering',
      from: 'queued',
      parts: { writer: 'support-plan/plan-1', pairs: ['Goal g', '{"g":1}', 'Observation n', '{"n":1}'] },
      ledger: { type: 'delivered', messageId: 'm-parts', attempt: '1' },
    };
    expect(await transition('m-parts', first)).toEqual(['ok', 'queued', 1]);
    expect(await redis.hgetall(recordParts)).toEqual({ 'Goal g': '{"g":1}', 'Observation n': '{"n":1}' });
    expect(await redis.hgetall(writers)).toEqual({
      'Goal g': 'goal/g\nsupport-plan/plan-1',
      'Observation n': 'support-plan/plan-1',
    });
    expect(await redis.llen(index.timeline('m-parts'))).toBe(2);
    // The next version no longer writes either part: the record leaves both, and the goal keeps its own record.
    const second = { status: 'delivered', from: 'delivering', parts: { writer: 'support-plan/plan-1', pairs: [] } };
    expect(await transition('m-parts', second)).toEqual(['ok', 'delivering', 2]);
    expect(await redis.exists(recordParts)).toBe(0);
    expect(await redis.hgetall(writers)).toEqual({ 'Goal g': 'goal/g' });
  });

  it('never puts a purged message back in the queue', async () => {
    await redis.hset(keys.message('m-tr'), 'purgedAt', '2020-01-01T00:00:00.000Z');
    expect(await transition('m-tr', { status: 'queued', from: 'failed' })).toEqual(['conflict', 'failed']);
  });
});

describe('claim-message', () => {
  beforeAll(async () => {
    await createMessage('m-claim', 800);
  });

  const claim = async (id: string, from: string): Promise<unknown> =>
    run(
      CLAIM_MESSAGE,
      [keys.message(id), ...MESSAGE_STATUSES.map((s) => keys.byStatus(s))],
      [MESSAGE_STATUSES.length, ...MESSAGE_STATUSES, from, 2_000, '2030-01-01T00:00:00.000Z'],
    );

  it.each([
    { name: 'a queued message is claimed', id: 'm-claim', from: 'queued delivering', previous: 'queued', attempts: 1 },
    {
      name: 'a crashed claim is taken over',
      id: 'm-claim',
      from: 'queued delivering',
      previous: 'delivering',
      attempts: 2,
    },
  ])('$name, with the record in the reply', async ({ id, from, previous, attempts }) => {
    const [outcome, previousStatus, count, fields] = (await claim(id, from)) as [string, string, number, string[]];
    expect([outcome, previousStatus, count]).toEqual(['ok', previous, attempts]);
    const record: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) {
      record[fields[i] ?? ''] = fields[i + 1] ?? '';
    }
    expect(record).toMatchObject({
      id,
      status: 'delivering',
      attempts: String(attempts),
      updatedAt: '2030-01-01T00:00:00.000Z',
    });
  });

  it.each([
    { name: 'a message in another state', id: 'm-claim', from: 'queued', reply: ['conflict', 'delivering'] },
    { name: 'a message that does not exist', id: 'm-none', from: 'queued', reply: ['missing'] },
  ])('$name is not claimed', async ({ id, from, reply }) => {
    expect(await claim(id, from)).toEqual(reply);
  });

  it('moved the message to the delivering index', async () => {
    expect(await redis.zscore(keys.byStatus('delivering'), 'm-claim')).toBe('2000');
    expect(await redis.zscore(keys.byStatus('queued'), 'm-claim')).toBeNull();
  });
});

describe('append-entry and append-once', () => {
  it.each<{ name: string; fields: Record<string, string>; sets: number }>([
    { name: 'a rejection with a practice', fields: { type: 'rejected', practice: 'B82002' }, sets: 2 },
    { name: 'a rejection without a practice', fields: { type: 'rejected' }, sets: 1 },
    { name: 'an audit access', fields: { type: 'audit-access', who: 'ann' }, sets: 0 },
  ])('$name is appended and indexed in $sets rejection sets', async ({ fields, sets }) => {
    const block = ledgerBlock(keys, fields, new Date(900));
    const id = await run(APPEND_ENTRY, block.keys, block.args);
    expect(id).toMatch(/^\d+-\d+$/);
    const found = await Promise.all([index.rejected, index.rejectedAt('B82002')].map((k) => redis.zscore(k, id)));
    expect(found.filter((score) => score === '900')).toHaveLength(sets);
  });

  it('appends under a marker once only', async () => {
    const marker = `${prefix}:markers`;
    const block = ledgerBlock(keys, { type: 'audit-forwarded', messageId: 'm-new', attempt: '1' });
    const first = await run(APPEND_ONCE, [marker, ...block.keys], ['m-new.1', ...block.args]);
    const second = await run(APPEND_ONCE, [marker, ...block.keys], ['m-new.1', ...block.args]);
    expect(first).toMatch(/^\d+-\d+$/);
    expect(second).toBeNull();
    expect(await redis.hget(marker, 'm-new.1')).toBe(first);
  });
});

describe('purge-body', () => {
  beforeAll(async () => {
    await createMessage('m-purge', 100);
    await createMessage('m-busy', 100);
    await redis.hset(keys.message('m-purge'), 'status', 'delivered', 'outcome', '{}');
  });

  it.each([
    { name: 'a settled message is purged', id: 'm-purge', reply: 'purged' },
    { name: 'a second purge finds it done', id: 'm-purge', reply: 'already' },
    { name: 'a message still queued is kept', id: 'm-busy', reply: 'status:queued' },
    { name: 'a message that is gone', id: 'm-gone', reply: 'missing' },
  ])('$name', async ({ id, reply }) => {
    const block = ledgerBlock(keys, { type: 'purged', messageId: id, by: 'test' });
    const result = await run(
      PURGE_BODY,
      [keys.message(id), index.retained, ...block.keys],
      [id, 'delivered superseded', '{"purged":true}', '2030-01-01T00:00:00.000Z', ...block.args],
    );
    expect(result).toBe(reply);
  });

  it('replaced the body, dropped the outcome and left the retained index', async () => {
    const stored = await redis.hgetall(keys.message('m-purge'));
    expect(stored.message).toBe('{"purged":true}');
    expect(stored.outcome).toBeUndefined();
    expect(await redis.zscore(index.retained, 'm-purge')).toBeNull();
    expect(await redis.zscore(index.retained, 'm-busy')).toBe('100');
  });
});

describe('reserve-send-slot', () => {
  const schedule = `${prefix}:request-budget:ep:schedule`;

  it('gives the first slot at once and the next one interval on', async () => {
    const interval = 60_000_000;
    expect(await run(RESERVE_SLOT, [schedule], [interval, 0])).toBe(0);
    const wait = await run(RESERVE_SLOT, [schedule], [interval, 0]);
    // Redis's clock has moved on by the round trip only: the second slot is nearly a whole interval away.
    expect(wait).toBeGreaterThan(interval - 5_000_000);
    expect(wait).toBeLessThanOrEqual(interval);
    expect(await redis.pttl(schedule)).toBeGreaterThan(60_000);
  });

  it('puts no slot before the pause', async () => {
    const [seconds] = await redis.time();
    const pause = (Number(seconds) + 3_600) * 1_000_000;
    const wait = await run(RESERVE_SLOT, [`${schedule}-paused`], [1_000, pause]);
    expect(wait).toBeGreaterThan(3_590 * 1_000_000);
  });
});

describe('keys', () => {
  it('no script wrote a key it was not passed', async () => {
    const written: string[] = [];
    for await (const batch of redis.scanStream({ match: `${prefix}:*`, count: 1000 })) {
      written.push(...(batch as string[]));
    }
    expect(written.length).toBeGreaterThan(10);
    expect(written.filter((key) => !passed.has(key))).toEqual([]);
  });
});
