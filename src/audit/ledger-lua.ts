/**
 * The Lua that appends an entry to the audit ledger stream. It is spliced into every script that changes a
 * message, so the change and its ledger entry are written atomically: there is never a state change without its
 * ledger entry, nor an entry for a change that did not happen.
 *
 * KEYS convention for scripts that include it: the ledger stream key and its head key are passed as ARGV-free
 * KEYS by the caller and handed to `append_ledger` explicitly.
 */

/** Defines `append_ledger(stream_key, head_key, fields)`; `fields` is a flat Lua array {name, value, ...}. */
export const LUA_APPEND_LEDGER = `
local function append_ledger(stream_key, head_key, fields)
  local seq = redis.call('HINCRBY', head_key, 'seq', 1)
  local entry = { 'seq', tostring(seq) }
  for i = 1, #fields do entry[#entry + 1] = fields[i] end
  local id = redis.call('XADD', stream_key, '*', unpack(entry))
  redis.call('HSET', head_key, 'lastId', id)
  return id
end
`;
