--[[
  Creates a message unless its idempotency key is taken, and records its version (and the record's status, from
  the recordVersion and recordStatus fields) as the source record's latest when it is higher than the one held.
  The message's `received` ledger entry is appended in the same step.

  Input:
    KEYS[1] idempotency key
    KEYS[2] message hash
    KEYS[3] outbox sorted set
    KEYS[4] status index of `queued`
    KEYS[5] latest version of the source record (hash)
    KEYS[6 ...] the ledger block (append-ledger.lua)

    ARGV[1] message id
    ARGV[2] content hash
    ARGV[3] received at (ms)
    ARGV[4] number of message hash fields N
    ARGV[5 .. 4 + 2N] the message hash's field/value pairs
    ARGV[5 + 2N ...] the ledger block

  Output:
    {1, id} when created
    {0, existing id, existing content hash} when the idempotency key was already taken
]]
-- @include "append-ledger"

local existing = redis.call('GET', KEYS[1])
if existing then
  local sep = string.find(existing, ' ', 1, true)
  return { 0, string.sub(existing, 1, sep - 1), string.sub(existing, sep + 1) }
end
local id = ARGV[1]
local n = tonumber(ARGV[4])
local fields = {}
for i = 5, 4 + n do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[2], unpack(fields))
redis.call('SET', KEYS[1], id .. ' ' .. ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], id)
redis.call('ZADD', KEYS[4], ARGV[3], id)
append_ledger(5, 4 + n)
local version, record_status
for i = 1, #fields, 2 do
  if fields[i] == 'recordVersion' then version = fields[i + 1] end
  if fields[i] == 'recordStatus' then record_status = fields[i + 1] end
end
local held = tonumber(redis.call('HGET', KEYS[5], 'version') or '0')
if version and tonumber(version) > held then
  redis.call('HSET', KEYS[5], 'version', version, 'messageId', id)
  if record_status then redis.call('HSET', KEYS[5], 'status', record_status) else redis.call('HDEL', KEYS[5], 'status') end
end
return { 1, id }
