--[[
  Creates a message unless its source identity or its Idempotency-Key is taken, and records its version (and the record's status, from
  the recordVersion and recordStatus fields) as the source record's latest when it is higher than the one held.
  A referral version that records a decision about sharing with the GP (the gpConsent field) sets the record's
  standing decision (consent, consentVersion) when it is newer than the version that set it, whichever version is
  the latest: a later version that says nothing about consent leaves the decision standing.
  A message that records the episode's risks (the risksRecorded field: a referral or outcome note with a `risks`
  section) marks the episode's referral as having recorded them (risksRecorded on its latest-version hash), whatever
  its version, so a later record of the episode is not warned that PRSB requires them.
  The message's `received` ledger entry is appended in the same step.

  Input:
    KEYS[1] source identity key (the client's kind + system + record id + version)
    KEYS[2] Idempotency-Key key (KEYS[1] again when the request had no Idempotency-Key)
    KEYS[3] message hash
    KEYS[4] outbox sorted set
    KEYS[5] status index of `queued`
    KEYS[6] latest version of the source record (hash)
    KEYS[7] latest version of the episode's referral (hash; KEYS[6] again for a referral)
    KEYS[8 ...] the ledger block (append-ledger.lua)

    ARGV[1] message id
    ARGV[2] content hash
    ARGV[3] received at (ms)
    ARGV[4] number of message hash fields N
    ARGV[5 .. 4 + 2N] the message hash's field/value pairs
    ARGV[5 + 2N ...] the ledger block

  Output:
    {1, id} when created
    {0, existing id, existing content hash} when either key was already taken. Both keys are checked and taken
    in this one step, so an Idempotency-Key can never let a second body in for a version already accepted: when
    either key holds a different body, that one is answered (a conflict); otherwise the message is a repeat.
]]
-- @include "append-ledger"

local function parts(held)
  local sep = string.find(held, ' ', 1, true)
  return string.sub(held, 1, sep - 1), string.sub(held, sep + 1)
end

local by_source = redis.call('GET', KEYS[1])
local by_header = redis.call('GET', KEYS[2])
if by_source or by_header then
  for _, held in ipairs({ by_source or false, by_header or false }) do
    if held then
      local held_id, held_hash = parts(held)
      if held_hash ~= ARGV[2] then return { 0, held_id, held_hash } end
    end
  end
  -- A repeat of the same body: the key it did not yet hold now names the same message.
  local held = by_source or by_header
  redis.call('SET', KEYS[1], held, 'NX')
  redis.call('SET', KEYS[2], held, 'NX')
  local held_id, held_hash = parts(held)
  return { 0, held_id, held_hash }
end
local id = ARGV[1]
local n = tonumber(ARGV[4])
local fields = {}
for i = 5, 4 + n do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[3], unpack(fields))
redis.call('SET', KEYS[1], id .. ' ' .. ARGV[2])
redis.call('SET', KEYS[2], id .. ' ' .. ARGV[2])
redis.call('ZADD', KEYS[4], ARGV[3], id)
redis.call('ZADD', KEYS[5], ARGV[3], id)
append_ledger(7, 4 + n)
local version, record_status, gp_consent, risks_recorded
for i = 1, #fields, 2 do
  if fields[i] == 'recordVersion' then version = fields[i + 1] end
  if fields[i] == 'risksRecorded' then risks_recorded = fields[i + 1] end
  if fields[i] == 'recordStatus' then record_status = fields[i + 1] end
  if fields[i] == 'gpConsent' then gp_consent = fields[i + 1] end
end
if risks_recorded == '1' then redis.call('HSET', KEYS[7], 'risksRecorded', '1') end
if version and gp_consent then
  local consent_version = tonumber(redis.call('HGET', KEYS[6], 'consentVersion') or '0')
  if tonumber(version) > consent_version then
    redis.call('HSET', KEYS[6], 'consent', gp_consent, 'consentVersion', version)
  end
end
local held = tonumber(redis.call('HGET', KEYS[6], 'version') or '0')
if version and tonumber(version) > held then
  redis.call('HSET', KEYS[6], 'version', version, 'messageId', id)
  if record_status then redis.call('HSET', KEYS[6], 'status', record_status) else redis.call('HDEL', KEYS[6], 'status') end
end
return { 1, id }
