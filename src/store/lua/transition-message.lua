--[[
  Moves a message to a new state if it is in one of the allowed states, applies its field changes and appends the
  ledger entry that records the change, all in one step.

  Input:
    KEYS[1] message hash
    KEYS[2 .. 1 + S] the status index of every status, in the order ARGV names them
    KEYS[2 + S .. 1 + S + H] the hand-off sorted set (H is 0 or 1), which gets '<id>.<attempts>' scored by now
      along with the ledger entry, so follow-up work on it is never lost
    KEYS[2 + S + H .. 1 + S + H + P] the parts block's keys (P is 0 or 2): the source record's parts hash and its
      source system's part-writers hash
    KEYS[2 + S + H + P ...] the ledger block (append-ledger.lua)

    ARGV[1] number of statuses S
    ARGV[2 .. 1 + S] the status names, in the order of their index keys
    ARGV[2 + S] new status ('' keeps the current one)
    ARGV[3 + S] allowed current statuses, space separated ('' allows any)
    ARGV[4 + S] now (ms)
    ARGV[5 + S] '1' to add one to the attempts, '0' not to
    ARGV[6 + S] H, the number of hand-off keys
    ARGV[7 + S] expiry: ms after which the (settled) message hash expires, also trimming the new status's index of
      members older than that; '0' makes the hash persistent again (back in work); '' leaves its expiry alone
    ARGV[8 + S] number of hash fields N
    ARGV[9 + S .. 8 + S + 2N] the hash's field/value pairs (an empty value deletes the field)
    ARGV[9 + S + 2N] the parts block: the writing record's id ('' when there is no parts block), and then
    ARGV[10 + S + 2N] the number of part field/value values M, and ARGV[11 + S + 2N .. 10 + S + 2N + M] the record's
      parts after this change (part key, part). Parts the hash held that are not among them are removed, and the
      record is taken off their writers; the record is added to the writers of every part it now holds
    ARGV[11 + S + 2N + M ...] the ledger block (no fields: no ledger entry and no hand-off)

  Output:
    {'ok', previous status, attempts}
    {'conflict', current status}
    {'missing'}
]]
-- @include "append-ledger"

local s = tonumber(ARGV[1])
local status_index = {}
for i = 1, s do status_index[ARGV[1 + i]] = KEYS[1 + i] end
local new_status, allowed_statuses, now = ARGV[2 + s], ARGV[3 + s], ARGV[4 + s]
local increment, handoffs, expire, n = ARGV[5 + s], tonumber(ARGV[6 + s]), ARGV[7 + s], tonumber(ARGV[8 + s])

if redis.call('EXISTS', KEYS[1]) == 0 then return { 'missing' } end
local current = redis.call('HGET', KEYS[1], 'status')
if allowed_statuses ~= '' then
  local allowed = false
  for name in string.gmatch(allowed_statuses, '%S+') do if name == current then allowed = true end end
  if not allowed then return { 'conflict', current } end
end
-- A message whose body the retention purge removed can never go back to the queue.
if new_status == 'queued' and redis.call('HEXISTS', KEYS[1], 'purgedAt') == 1 then return { 'conflict', current } end
local id = redis.call('HGET', KEYS[1], 'id')
if new_status ~= '' and new_status ~= current then
  if status_index[current] then redis.call('ZREM', status_index[current], id) end
  redis.call('ZADD', status_index[new_status], now, id)
  redis.call('HSET', KEYS[1], 'status', new_status)
end
local attempts = tonumber(redis.call('HGET', KEYS[1], 'attempts') or '0')
if increment == '1' then attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1) end
local first = 9 + s
for i = first, first + n - 1, 2 do
  if ARGV[i + 1] == '' then redis.call('HDEL', KEYS[1], ARGV[i]) else redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
if expire == '0' then
  redis.call('PERSIST', KEYS[1])
elseif expire ~= '' then
  redis.call('PEXPIRE', KEYS[1], expire)
  -- Members scored before now - expire are messages whose hash has expired (the score is when they settled).
  local settled = status_index[new_status ~= '' and new_status or current]
  if settled then redis.call('ZREMRANGEBYSCORE', settled, '-inf', '(' .. (tonumber(now) - tonumber(expire))) end
end
-- Writers of a part are kept as one line per record id (record ids hold no control characters).
local function writers_without(list, writer)
  local out = {}
  for held in string.gmatch(list or '', '[^\n]+') do if held ~= writer then out[#out + 1] = held end end
  return out
end
local pa = first + n
local writer, m = ARGV[pa], tonumber(ARGV[pa + 1])
local parts_keys = 0
if writer ~= '' then
  parts_keys = 2
  local parts_hash, writers_hash = KEYS[2 + s + handoffs], KEYS[3 + s + handoffs]
  local kept = {}
  for i = pa + 2, pa + 1 + m, 2 do kept[ARGV[i]] = ARGV[i + 1] end
  for _, part in ipairs(redis.call('HKEYS', parts_hash)) do
    if not kept[part] then
      redis.call('HDEL', parts_hash, part)
      local others = writers_without(redis.call('HGET', writers_hash, part), writer)
      if #others == 0 then
        redis.call('HDEL', writers_hash, part)
      else
        redis.call('HSET', writers_hash, part, table.concat(others, '\n'))
      end
    end
  end
  for i = pa + 2, pa + 1 + m, 2 do
    redis.call('HSET', parts_hash, ARGV[i], ARGV[i + 1])
    local others = writers_without(redis.call('HGET', writers_hash, ARGV[i]), writer)
    others[#others + 1] = writer
    redis.call('HSET', writers_hash, ARGV[i], table.concat(others, '\n'))
  end
end
local appended = append_ledger(1 + s + handoffs + parts_keys, pa + 1 + m)
if appended and handoffs == 1 then redis.call('ZADD', KEYS[2 + s], now, id .. '.' .. attempts) end
return { 'ok', current, attempts }
