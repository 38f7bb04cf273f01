/**
 * The Lua scripts behind the message store. Each one changes a message, its indexes and the audit ledger in one
 * atomic step, so a crash or a lost connection can never leave a half-written message behind.
 */
import { LUA_APPEND_LEDGER } from './ledger-lua';
import { LuaScript } from './lua-script';

/**
 * Creates a message unless its idempotency key is taken, and records its version (and the record's status, from
 * the `recordVersion` and `recordStatus` fields) as the source record's latest when it is higher than the one held.
 * KEYS: idempotency, message, outbox, status index (queued), ledger, ledger head, latest of the source record
 * ARGV: idempotency value ("<id> <contentHash>"), receivedAt (ms), number of hash fields N, N field/value pairs,
 *       then the ledger entry's field/value pairs.
 * Returns {1, id} when created, {0, existingId, existingHash} when the key was already taken.
 */
export const CREATE_MESSAGE = new LuaScript(`${LUA_APPEND_LEDGER}
local existing = redis.call('GET', KEYS[1])
if existing then
  local sep = string.find(existing, ' ', 1, true)
  return { 0, string.sub(existing, 1, sep - 1), string.sub(existing, sep + 1) }
end
local id = string.sub(ARGV[1], 1, string.find(ARGV[1], ' ', 1, true) - 1)
local n = tonumber(ARGV[3])
local fields = {}
for i = 4, 3 + n do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[2], unpack(fields))
redis.call('SET', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[2], id)
redis.call('ZADD', KEYS[4], ARGV[2], id)
local ledger = {}
for i = 4 + n, #ARGV do ledger[#ledger + 1] = ARGV[i] end
append_ledger(KEYS[5], KEYS[6], ledger, ARGV[2])
local version, record_status
for i = 1, #fields, 2 do
  if fields[i] == 'recordVersion' then version = fields[i + 1] end
  if fields[i] == 'recordStatus' then record_status = fields[i + 1] end
end
local held = tonumber(redis.call('HGET', KEYS[7], 'version') or '0')
if version and tonumber(version) > held then
  redis.call('HSET', KEYS[7], 'version', version, 'messageId', id)
  if record_status then redis.call('HSET', KEYS[7], 'status', record_status) else redis.call('HDEL', KEYS[7], 'status') end
end
return { 1, id }
`);

/**
 * Moves a message to a new state if it is in one of the allowed states.
 * KEYS: message, ledger, ledger head, optionally a hand-off sorted set that gets "<id>.<attempts>" (scored by now)
 *       along with the ledger entry
 * ARGV: status index prefix, new status ('' keeps it), allowed current statuses (space separated, '' = any),
 *       now (ms), increment attempts ('1' or '0'), number of hash fields N, N field/value pairs (an empty value
 *       deletes the field), then the ledger entry's field/value pairs (none: no ledger entry).
 * Returns {'ok', previousStatus, attempts} | {'conflict', currentStatus} | {'missing'}.
 */
export const TRANSITION_MESSAGE = new LuaScript(`${LUA_APPEND_LEDGER}
if redis.call('EXISTS', KEYS[1]) == 0 then return { 'missing' } end
local current = redis.call('HGET', KEYS[1], 'status')
if ARGV[3] ~= '' then
  local allowed = false
  for s in string.gmatch(ARGV[3], '%S+') do if s == current then allowed = true end end
  if not allowed then return { 'conflict', current } end
end
-- A message whose body the retention purge removed can never go back to the queue.
if ARGV[2] == 'queued' and redis.call('HEXISTS', KEYS[1], 'purgedAt') == 1 then return { 'conflict', current } end
local id = redis.call('HGET', KEYS[1], 'id')
if ARGV[2] ~= '' and ARGV[2] ~= current then
  redis.call('ZREM', ARGV[1] .. current, id)
  redis.call('ZADD', ARGV[1] .. ARGV[2], ARGV[4], id)
  redis.call('HSET', KEYS[1], 'status', ARGV[2])
end
local attempts = tonumber(redis.call('HGET', KEYS[1], 'attempts') or '0')
if ARGV[5] == '1' then attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1) end
local n = tonumber(ARGV[6])
for i = 7, 6 + n, 2 do
  if ARGV[i + 1] == '' then redis.call('HDEL', KEYS[1], ARGV[i]) else redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
if #ARGV >= 7 + n then
  local ledger = {}
  for i = 7 + n, #ARGV do ledger[#ledger + 1] = ARGV[i] end
  append_ledger(KEYS[2], KEYS[3], ledger)
  -- A hand-off set (KEYS[4]) receives '<id>.<attempts>' with the entry, so follow-up work on it is never lost.
  if KEYS[4] then redis.call('ZADD', KEYS[4], ARGV[4], id .. '.' .. attempts) end
end
return { 'ok', current, attempts }
`);
