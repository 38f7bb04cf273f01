--[[
  Claims a message for a delivery attempt: moves it to `delivering` if it is in one of the claimable states, adds
  one to its attempts and answers with the whole record as it now stands, so the attempt needs no second read.
  A claim writes no ledger entry; the attempt's result does.

  Input:
    KEYS[1] message hash
    KEYS[2 .. 1 + S] the status index of every status, in the order ARGV names them

    ARGV[1] number of statuses S
    ARGV[2 .. 1 + S] the status names, in the order of their index keys
    ARGV[2 + S] claimable statuses, space separated
    ARGV[3 + S] now (ms), the score in the delivering index
    ARGV[4 + S] now (ISO 8601), the record's updatedAt

  Output:
    {'ok', previous status, attempts, {field, value, ...}} the record's fields after the claim
    {'conflict', current status}
    {'missing'}
]]

local s = tonumber(ARGV[1])
local status_index = {}
for i = 1, s do status_index[ARGV[1 + i]] = KEYS[1 + i] end
local claimable, now_ms, now_iso = ARGV[2 + s], ARGV[3 + s], ARGV[4 + s]

if redis.call('EXISTS', KEYS[1]) == 0 then return { 'missing' } end
local current = redis.call('HGET', KEYS[1], 'status')
local allowed = false
for name in string.gmatch(claimable, '%S+') do if name == current then allowed = true end end
if not allowed then return { 'conflict', current } end
local id = redis.call('HGET', KEYS[1], 'id')
if current ~= 'delivering' then
  if status_index[current] then redis.call('ZREM', status_index[current], id) end
  redis.call('ZADD', status_index['delivering'], now_ms, id)
  redis.call('HSET', KEYS[1], 'status', 'delivering')
end
local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('HSET', KEYS[1], 'updatedAt', now_iso)
return { 'ok', current, attempts, redis.call('HGETALL', KEYS[1]) }
