/**
 * The Lua that appends an entry to the audit ledger stream. It is spliced into every script that changes a
 * message, so the change and its ledger entry are written atomically: there is never a state change without its
 * ledger entry, nor an entry for a change that did not happen.
 *
 * Each entry is hash-chained to the one before it: `hash = SHA-256(canonical(seq, prev, fields...))`, where `prev`
 * is the previous entry's hash and the canonical form is a netstring per name and value (see canonical.ts). Redis
 * runs scripts one at a time, so appends from any number of API and worker processes read and extend the same
 * head with no race. The same step maintains the search indexes (ledger-keys.ts), which can be rebuilt from the
 * ledger if lost.
 *
 * KEYS convention for scripts that include it: the ledger stream key and its head key are passed as KEYS by the
 * caller and handed to `append_ledger` explicitly. Index keys are derived from the stream key, so in a Redis
 * Cluster the key prefix must carry a hash tag (e.g. `{spfa}`) to keep them in one slot.
 */
import { LUA_SHA256 } from './sha256-lua';

/** The `prev` of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * Defines `append_ledger(stream_key, head_key, fields, at_ms)`; `fields` is a flat Lua array {name, value, ...};
 * `at_ms` (optional) is the event time used as the score in the search indexes. Returns the entry's stream id.
 */
export const LUA_APPEND_LEDGER = `${LUA_SHA256}
local function ledger_netstring(value)
  return #value .. ':' .. value .. ','
end

local function index_ledger_entry(stream_key, id, fields, at_ms)
  local f = {}
  for i = 1, #fields, 2 do f[fields[i]] = fields[i + 1] end
  local base = stream_key .. ':idx:'
  if f.messageId then redis.call('RPUSH', base .. 'msg:' .. f.messageId, id) end
  if f.type == 'received' and f.messageId and at_ms then
    local m = f.messageId
    redis.call('ZADD', base .. 'received', at_ms, m)
    redis.call('ZADD', base .. 'retained', at_ms, m)
    if f.practice then redis.call('ZADD', base .. 'practice:' .. f.practice, at_ms, m) end
    if f.endpoint then redis.call('ZADD', base .. 'endpoint:' .. f.endpoint, at_ms, m) end
    if f.recordId then redis.call('ZADD', base .. 'record:' .. f.recordId, at_ms, m) end
    if f.patientKey then redis.call('ZADD', base .. 'patient:' .. f.patientKey, at_ms, m) end
  end
  if f.type == 'rejected' and at_ms then
    redis.call('ZADD', base .. 'rejected', at_ms, id)
    if f.practice then redis.call('ZADD', base .. 'rejected:' .. f.practice, at_ms, id) end
  end
end

local function append_ledger(stream_key, head_key, fields, at_ms)
  local seq = redis.call('HINCRBY', head_key, 'seq', 1)
  local prev = redis.call('HGET', head_key, 'hash') or '${GENESIS_HASH}'
  local entry = { 'seq', tostring(seq), 'prev', prev }
  for i = 1, #fields do entry[#entry + 1] = fields[i] end
  local parts = {}
  for i = 1, #entry do parts[i] = ledger_netstring(entry[i]) end
  local hash = sha256_hex(table.concat(parts))
  entry[#entry + 1] = 'hash'
  entry[#entry + 1] = hash
  local id = redis.call('XADD', stream_key, '*', unpack(entry))
  redis.call('HSET', head_key, 'lastId', id, 'hash', hash)
  index_ledger_entry(stream_key, id, fields, at_ms)
  return id
end
`;
