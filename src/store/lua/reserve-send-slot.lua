--[[
  Reserves an endpoint's next send slot on one schedule shared by every process (GCRA, "theoretical arrival
  time"): the slot is the later of Redis's own clock, the stored next free slot and the pause, and the next free
  slot moves one interval on from it. Redis's clock alone is read, so processes whose clocks disagree still share
  one schedule.

  Input:
    KEYS[1] the endpoint's schedule: the next free slot, in microseconds of Redis's TIME
    ARGV[1] interval between slots, in whole microseconds (> 0)
    ARGV[2] no slot before this time, in microseconds of the epoch (the pause; 0 for none)

  Output:
    the microseconds the caller waits, from Redis's now, before its slot (0 when it may send at once)
]]

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local interval = tonumber(ARGV[1])
local slot = math.max(now, tonumber(redis.call('GET', KEYS[1]) or 0), tonumber(ARGV[2]))
local next_free = slot + interval
-- The schedule is only worth keeping until its next free slot has passed; a second more covers clock rounding.
local ttl_ms = math.ceil((next_free - now) / 1000) + 1000
redis.call('SET', KEYS[1], string.format('%d', next_free), 'PX', ttl_ms)
return slot - now
