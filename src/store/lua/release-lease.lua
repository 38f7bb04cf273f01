--[[
  Deletes a record lease only if it is still held under the caller's token: it may have lapsed and been taken by
  another worker, whose lease must stay.

  Input:
    KEYS[1] lease key
    ARGV[1] the token the lease was taken with

  Output:
    1 when deleted, 0 when the lease was no longer the caller's
]]

if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
