--[[
  Appends a ledger entry that comes with no message state change: a rejection, an audit access.

  Input:
    KEYS[1 ...] the ledger block (append-ledger.lua)
    ARGV[1 ...] the ledger block

  Output:
    the entry's stream id
]]
-- @include "append-ledger"

return append_ledger(0, 0)
