--[[
  Appends a ledger entry unless one was already appended under the same marker, so work that may run twice (a
  retried job) is recorded once.

  Input:
    KEYS[1] marker hash (marker → entry id)
    KEYS[2 ...] the ledger block (append-ledger.lua)

    ARGV[1] marker field
    ARGV[2 ...] the ledger block

  Output:
    the new entry's stream id, or false when the marker was already recorded
]]
-- @include "append-ledger"

if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return false end
local id = append_ledger(1, 1)
redis.call('HSET', KEYS[1], ARGV[1], id)
return id
