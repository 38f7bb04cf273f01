/**
 * Lua scripts the audit module runs itself: appending an entry that has no message state change with it
 * (rejections, audit access, verification runs) and purging a message body under the retention policy, which
 * changes the message and appends its `purged` entry in one atomic step.
 */
import { LuaScript } from './lua-script';
import { LUA_APPEND_LEDGER } from './ledger-lua';

/**
 * KEYS: ledger, ledger head. ARGV: event time in ms ('' for none), then the entry's field/value pairs.
 * Returns the entry's stream id.
 */
export const APPEND_ENTRY = new LuaScript(`${LUA_APPEND_LEDGER}
local fields = {}
for i = 2, #ARGV do fields[#fields + 1] = ARGV[i] end
local at = nil
if ARGV[1] ~= '' then at = ARGV[1] end
return append_ledger(KEYS[1], KEYS[2], fields, at)
`);

/**
 * Appends an entry unless one was already appended under the same marker, so work that may run twice (a retried
 * job) is recorded once. KEYS: ledger, ledger head, marker hash. ARGV: marker field, event time in ms ('' for
 * none), then the entry's field/value pairs. Returns the new entry's stream id, or false when already recorded.
 */
export const APPEND_ONCE = new LuaScript(`${LUA_APPEND_LEDGER}
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then return false end
local fields = {}
for i = 3, #ARGV do fields[#fields + 1] = ARGV[i] end
local at = nil
if ARGV[2] ~= '' then at = ARGV[2] end
local id = append_ledger(KEYS[1], KEYS[2], fields, at)
redis.call('HSET', KEYS[3], ARGV[1], id)
return id
`);

/**
 * Replaces a settled message's body with its non-personal envelope and drops the EHR's OperationOutcome (which
 * can echo submitted values), keeping every other field and the ledger.
 * KEYS: message, ledger, ledger head, retained index.
 * ARGV: message id, allowed statuses (space separated), envelope JSON, purgedAt (ISO), then the ledger fields.
 * Returns 'purged', 'missing', 'already' or 'status:<current>'.
 */
export const PURGE_BODY = new LuaScript(`${LUA_APPEND_LEDGER}
local status = redis.call('HGET', KEYS[1], 'status')
if not status then
  redis.call('ZREM', KEYS[4], ARGV[1])
  return 'missing'
end
if redis.call('HEXISTS', KEYS[1], 'purgedAt') == 1 then
  redis.call('ZREM', KEYS[4], ARGV[1])
  return 'already'
end
local allowed = false
for s in string.gmatch(ARGV[2], '%S+') do if s == status then allowed = true end end
if not allowed then return 'status:' .. status end
redis.call('HSET', KEYS[1], 'message', ARGV[3], 'purgedAt', ARGV[4], 'updatedAt', ARGV[4])
redis.call('HDEL', KEYS[1], 'outcome')
redis.call('ZREM', KEYS[4], ARGV[1])
local fields = {}
for i = 5, #ARGV do fields[#fields + 1] = ARGV[i] end
append_ledger(KEYS[2], KEYS[3], fields, nil)
return 'purged'
`);
