--[[
  Asks for a new version of an episode document when a referral message reaches a milestone, once per message: a
  message already seen changes nothing (a redelivered job or a second worker asks again calmly). The new version
  goes back to pending with its send count reset, and the request is recorded in the ledger in the same step.

  Input:
    KEYS[1] document hash
    KEYS[2] the set of referral message ids that asked for a version of this document
    KEYS[3 .. 7] the status indexes: pending, sending, awaiting-ack, delivered, failed
    KEYS[8] the acknowledgement deadlines sorted set
    KEYS[9 ...] the ledger block (append-ledger.lua)

    ARGV[1] the referral message id that reached the milestone
    ARGV[2] the version the caller read (0 when there was no document); the new one is this plus 1
    ARGV[3] now (ms)
    ARGV[4] number of hash fields N
    ARGV[5 .. 4 + 2N] the hash's field/value pairs (an empty value deletes the field)
    ARGV[5 + 2N ...] the ledger block

  Output:
    {'ok', new version}
    {'seen', current version}
    {'conflict', current version}   the version changed since the caller read it; read again and retry
]]
-- @include "append-ledger"

local STATUSES = { 'pending', 'sending', 'awaiting-ack', 'delivered', 'failed' }
local trigger, expected, now, n = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local current = redis.call('HGET', KEYS[1], 'version') or '0'
if redis.call('SISMEMBER', KEYS[2], trigger) == 1 then return { 'seen', tonumber(current) } end
if current ~= expected then return { 'conflict', tonumber(current) } end
redis.call('SADD', KEYS[2], trigger)
local id = nil
for i = 5, 4 + 2 * n, 2 do
  if ARGV[i] == 'id' then id = ARGV[i + 1] end
  if ARGV[i + 1] == '' then redis.call('HDEL', KEYS[1], ARGV[i]) else redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
for i = 1, #STATUSES do redis.call('ZREM', KEYS[2 + i], id) end
redis.call('ZADD', KEYS[3], now, id)
redis.call('ZREM', KEYS[8], id)
redis.call('HSET', KEYS[1], 'status', 'pending')
append_ledger(8, 4 + 2 * n)
return { 'ok', tonumber(expected) + 1 }
