--[[
  Moves an episode document to its next state if it still holds the version and one of the states the caller
  expects, applies the field changes, keeps its status index and acknowledgement deadline in step, and appends
  the ledger entry that records the step, all at once. A claim may also take over a document left in `sending`
  by a worker that died (its claim older than the given time).

  Input:
    KEYS[1] document hash
    KEYS[2 .. 6] the status indexes: pending, sending, awaiting-ack, delivered, failed
    KEYS[7] the acknowledgement deadlines sorted set
    KEYS[8] the ITK3 message id key (ARGV[8] is written to it when given)
    KEYS[9 ...] the ledger block (append-ledger.lua)

    ARGV[1] the version the caller worked on ('' accepts any)
    ARGV[2] allowed current statuses, space separated
    ARGV[3] '' or a time in ms: a document in `sending` claimed before it counts as allowed too
    ARGV[4] new status ('' keeps the current one)
    ARGV[5] now (ms)
    ARGV[6] '1' to add one to the attempts, '0' not to
    ARGV[7] the acknowledgement deadline in ms, '' to leave it, '-' to remove it
    ARGV[8] the value for KEYS[8] ('' writes nothing)
    ARGV[9] number of hash fields N
    ARGV[10 .. 9 + 2N] the hash's field/value pairs (an empty value deletes the field)
    ARGV[10 + 2N ...] the ledger block (no fields: no ledger entry)

  Output:
    {'ok', previous status, attempts, the document's fields after the step as a flat list}
    {'conflict', current status, current version}
    {'missing'}
]]
-- @include "append-ledger"

local STATUSES = { 'pending', 'sending', 'awaiting-ack', 'delivered', 'failed' }
local index = {}
for i = 1, #STATUSES do index[STATUSES[i]] = KEYS[1 + i] end
local version, allowed, stale_before, new_status = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local now, increment, deadline, itk, n = ARGV[5], ARGV[6], ARGV[7], ARGV[8], tonumber(ARGV[9])

if redis.call('EXISTS', KEYS[1]) == 0 then return { 'missing' } end
local current = redis.call('HGET', KEYS[1], 'status')
local current_version = redis.call('HGET', KEYS[1], 'version')
if version ~= '' and version ~= current_version then return { 'conflict', current, tonumber(current_version) } end
local ok = false
for name in string.gmatch(allowed, '%S+') do if name == current then ok = true end end
if not ok and stale_before ~= '' and current == 'sending' then
  local claimed = tonumber(redis.call('HGET', KEYS[1], 'claimedAtMs') or '0')
  ok = claimed < tonumber(stale_before)
end
if not ok then return { 'conflict', current, tonumber(current_version) } end

local id = redis.call('HGET', KEYS[1], 'id')
if new_status ~= '' and new_status ~= current then
  redis.call('ZREM', index[current], id)
  redis.call('ZADD', index[new_status], now, id)
  redis.call('HSET', KEYS[1], 'status', new_status)
end
local attempts = tonumber(redis.call('HGET', KEYS[1], 'attempts') or '0')
if increment == '1' then attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1) end
if deadline == '-' then redis.call('ZREM', KEYS[7], id) elseif deadline ~= '' then redis.call('ZADD', KEYS[7], deadline, id) end
if itk ~= '' then redis.call('SET', KEYS[8], itk) end
for i = 10, 9 + 2 * n, 2 do
  if ARGV[i + 1] == '' then redis.call('HDEL', KEYS[1], ARGV[i]) else redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
append_ledger(8, 9 + 2 * n)
return { 'ok', current, attempts, redis.call('HGETALL', KEYS[1]) }
