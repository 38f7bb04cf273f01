--[[
  Appends one entry to the audit ledger stream and writes the search indexes it belongs to. Every script that
  changes a message includes it, so the change and its ledger entry are written atomically: there is never a state
  change without its entry, nor an entry for a change that did not happen.

  Each entry is hash-chained to the one before it (chain rule 2, see canonical.ts): the caller hashes the entry's
  fields into a content digest, and this script computes hash = SHA-256('2:v2,' .. netstring(seq) ..
  netstring(prev) .. netstring(digest)), prev and digest as 32 raw bytes each, where prev is the previous entry's
  hash. That input is 89 bytes or less whatever the entry holds (two SHA-256 blocks), so the cost of the pure-Lua
  hash no longer grows with the entry. Redis runs scripts one at a time, so appends from any number of processes
  read and extend the same head with no race.

  A script that includes this passes a ledger block after its own keys and arguments (ledger-block.ts builds it):
    KEYS[k + 1]        ledger stream
    KEYS[k + 2]        ledger head
    KEYS[k + 3 ...]    index keys, in three runs: lists that get the entry id (the message's timeline), sorted
                       sets that get the message id (the search indexes of a received message), sorted sets that
                       get the entry id (the rejection indexes)
    ARGV[a + 1]        index score: the event time in ms ('' when no sorted set is written)
    ARGV[a + 2]        the message id, member of the message sorted sets ('' when there are none)
    ARGV[a + 3 .. 5]   how many lists, message sorted sets and entry sorted sets follow the head key
    ARGV[a + 6]        the content digest of the field/value pairs (hex SHA-256 of their netstrings)
    ARGV[a + 7 ...]    the entry's field/value pairs; none means no entry is appended

  Defines:
    ledger_block_fields(a) -> the block's field/value pairs as a Lua array
    append_ledger(k, a) -> the new entry's stream id, or nil when the block has no fields
]]
-- @include "sha256"

local LEDGER_GENESIS_HASH = string.rep('0', 64)

local function ledger_netstring(value)
  return #value .. ':' .. value .. ','
end

local function ledger_hex_bytes(hex)
  return (string.gsub(hex, '%x%x', function(pair) return string.char(tonumber(pair, 16)) end))
end

local function ledger_block_fields(a)
  local fields = {}
  for i = a + 7, #ARGV do fields[#fields + 1] = ARGV[i] end
  return fields
end

local function index_ledger_entry(k, a, id)
  local lists, message_sets, entry_sets = tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4]), tonumber(ARGV[a + 5])
  local score, message_id = ARGV[a + 1], ARGV[a + 2]
  local key = k + 3
  for _ = 1, lists do
    redis.call('RPUSH', KEYS[key], id)
    key = key + 1
  end
  for _ = 1, message_sets do
    redis.call('ZADD', KEYS[key], score, message_id)
    key = key + 1
  end
  for _ = 1, entry_sets do
    redis.call('ZADD', KEYS[key], score, id)
    key = key + 1
  end
end

local function append_ledger(k, a)
  local fields = ledger_block_fields(a)
  if #fields == 0 then return nil end
  local stream_key, head_key = KEYS[k + 1], KEYS[k + 2]
  local seq = redis.call('HINCRBY', head_key, 'seq', 1)
  local prev = redis.call('HGET', head_key, 'hash') or LEDGER_GENESIS_HASH
  local entry = { 'seq', tostring(seq), 'prev', prev }
  for i = 1, #fields do entry[#entry + 1] = fields[i] end
  local hash = sha256_hex('2:v2,' .. ledger_netstring(tostring(seq)) .. ledger_netstring(ledger_hex_bytes(prev))
    .. ledger_netstring(ledger_hex_bytes(ARGV[a + 6])))
  entry[#entry + 1] = 'hash'
  entry[#entry + 1] = hash
  local id = redis.call('XADD', stream_key, '*', unpack(entry))
  redis.call('HSET', head_key, 'lastId', id, 'hash', hash)
  index_ledger_entry(k, a, id)
  return id
end
