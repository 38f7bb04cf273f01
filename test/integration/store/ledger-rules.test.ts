/**
 * The two chain rules on real Redis: entries hashed by the append script under rule 2 match Node's computation;
 * a ledger begun under rule 1 (by the script as it was before the content digest) keeps verifying when rule-2
 * entries follow, in any mix, and an altered entry of either rule is still found; an entry cannot be passed off
 * under the other rule.
 */
import { Redis } from 'ioredis';
import { verifyLedger } from '../../../src/audit/verify';
import { chainRuleOf, contentDigest, entryHash, legacyEntryHash } from '../../../src/store/canonical';
import { messageKeys } from '../../../src/store/keys';
import { AuditLedger } from '../../../src/store/ledger';
import type { LedgerEvent } from '../../../src/store/ledger-events';
import { luaSource } from '../../../src/store/lua-loader';
import { TEST_REDIS_URL, deleteKeys, uniquePrefix } from '../../support/redis';

/** The rule-1 append as every deployment ran it before the content digest: the whole entry hashed in Lua. */
const RULE_1_APPEND = `${luaSource('sha256')}
local seq = redis.call('HINCRBY', KEYS[2], 'seq', 1)
local prev = redis.call('HGET', KEYS[2], 'hash') or string.rep('0', 64)
local entry = { 'seq', tostring(seq), 'prev', prev }
for i = 1, #ARGV do entry[#entry + 1] = ARGV[i] end
local parts = {}
for i = 1, #entry do parts[i] = #entry[i] .. ':' .. entry[i] .. ',' end
local hash = sha256_hex(table.concat(parts))
entry[#entry + 1] = 'hash'
entry[#entry + 1] = hash
local id = redis.call('XADD', KEYS[1], '*', unpack(entry))
redis.call('HSET', KEYS[2], 'lastId', id, 'hash', hash)
return id`;

function access(who: string): LedgerEvent {
  return { type: 'audit-access', at: '2026-03-04T05:06:07.089Z', who, action: 'view', channel: 'api', query: 'é:,1' };
}

describe('ledger chain rules', () => {
  let redis: Redis;
  let prefix: string;
  let ledger: AuditLedger;
  const now = new Date('2026-03-04T06:00:00Z');

  beforeEach(() => {
    redis = new Redis(TEST_REDIS_URL);
    prefix = uniquePrefix('ledger-rules');
    ledger = new AuditLedger(redis, messageKeys(prefix));
  });
  afterEach(async () => {
    await redis.quit();
    await deleteKeys(prefix);
  });

  async function appendRule1(who: string): Promise<void> {
    const keys = messageKeys(prefix);
    await redis.eval(RULE_1_APPEND, 2, keys.ledger, keys.ledgerHead, 'type', 'audit-access', 'who', who);
  }

  it('hashes rule-2 entries in Lua exactly as Node does', async () => {
    for (let i = 0; i < 5; i += 1) {
      await ledger.append(access(`ann-${'€'.repeat(i * 40)}`));
    }
    const entries = await ledger.range('-', '+', 10);
    for (const entry of entries) {
      expect(entry.hash).toBe(entryHash(entry.pairs));
      expect(chainRuleOf(entry.pairs, entry.hash)).toBe(2);
      expect(entry.hash).not.toBe(legacyEntryHash(entry.pairs));
    }
  });

  it('verifies a ledger begun under rule 1 and continued under rule 2, in any mix', async () => {
    await appendRule1('old-1');
    await appendRule1('old-2');
    await ledger.append(access('new-1'));
    // A process still on the old script during a rolling upgrade.
    await appendRule1('old-3');
    await ledger.append(access('new-2'));
    const report = await verifyLedger(ledger, now);
    expect(report).toMatchObject({ ok: true, entries: 5, headSeq: 5, rule1Entries: 3 });
    const rules = (await ledger.range('-', '+', 10)).map((entry) => chainRuleOf(entry.pairs, entry.hash));
    expect(rules).toEqual([1, 1, 2, 1, 2]);
  });

  it.each([
    { rule: 1, seq: 2 },
    { rule: 2, seq: 3 },
  ])('finds an altered rule-$rule entry at that entry', async ({ seq }) => {
    await appendRule1('old-1');
    await appendRule1('old-2');
    await ledger.append(access('new-1'));
    await ledger.append(access('new-2'));
    const key = messageKeys(prefix).ledger;
    const raw = (await redis.xrange(key, '-', '+')) as [string, string[]][];
    await redis.del(key);
    for (const [i, [id, fields]] of raw.entries()) {
      const copy = [...fields];
      if (i + 1 === seq) {
        copy[copy.indexOf('who') + 1] = 'mallory';
      }
      await redis.xadd(key, id, ...copy);
    }
    const report = await verifyLedger(ledger, now);
    expect(report.firstBroken).toMatchObject({ seq, reason: 'hash-mismatch' });
    expect(report.lastGoodSeq).toBe(seq - 1);
  });

  it('does not let an entry holding only the content digest of another pass under either rule', () => {
    const prev = '0'.repeat(64);
    const fields = ['type', 'audit-access', 'who', 'ann'];
    const genuine = entryHash(['seq', '1', 'prev', prev, ...fields]);
    // An entry claiming to hold only the genuine one's digest is a different input under either rule.
    const forged = ['seq', '1', 'prev', prev, 'digest', contentDigest(fields)];
    expect(chainRuleOf(forged, genuine)).toBeUndefined();
    expect(chainRuleOf(['seq', '1', 'prev', prev, ...fields], genuine)).toBe(2);
  });
});
