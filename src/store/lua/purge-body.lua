--[[
  Replaces a settled message's body with its non-personal envelope and drops the EHR's OperationOutcome (which can
  echo submitted values), keeping every other field, and appends the `purged` ledger entry in the same step.

  Input:
    KEYS[1] message hash
    KEYS[2] the retained index (messages whose body is still held)
    KEYS[3 ...] the ledger block (append-ledger.lua)

    ARGV[1] message id
    ARGV[2] statuses whose body may go, space separated
    ARGV[3] envelope JSON
    ARGV[4] purged at (ISO 8601)
    ARGV[5 ...] the ledger block

  Output:
    'purged', 'missing' (no such message), 'already' (purged before) or 'status:<current>' (not purgeable now)
]]
-- @include "append-ledger"

local status = redis.call('HGET', KEYS[1], 'status')
if not status then
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 'missing'
end
if redis.call('HEXISTS', KEYS[1], 'purgedAt') == 1 then
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 'already'
end
local allowed = false
for name in string.gmatch(ARGV[2], '%S+') do if name == status then allowed = true end end
if not allowed then return 'status:' .. status end
redis.call('HSET', KEYS[1], 'message', ARGV[3], 'purgedAt', ARGV[4], 'updatedAt', ARGV[4])
redis.call('HDEL', KEYS[1], 'outcome')
redis.call('ZREM', KEYS[2], ARGV[1])
append_ledger(2, 4)
return 'purged'
