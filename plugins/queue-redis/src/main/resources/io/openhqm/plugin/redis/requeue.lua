-- Settles a delivery by handing the message back to the pool (retry or defer), atomically: the entry is settled,
-- and the message is added to the pool's retry stream now (delay <= 0) or parked in its delayed set until due. Other
-- pools never see it again.
-- KEYS[1] the stream of the entry, KEYS[2] the pool's retry stream, KEYS[3] the pool's delayed set;
-- ARGV[1] group, ARGV[2] consumer, ARGV[3] entry id, ARGV[4] delay ms, ARGV[5] prefix of delayed-message hashes,
-- ARGV[6] member id, ARGV[7..] the new entry's fields and values.
-- Returns 1, or 0 if the consumer no longer holds the entry (then nothing is added: no duplicate).
if not settle(KEYS[1], ARGV[1], ARGV[2], ARGV[3]) then
  return 0
end
local fields = {}
for i = 7, #ARGV do fields[#fields + 1] = ARGV[i] end
local delay = tonumber(ARGV[4])
if delay <= 0 then
  redis.call('XADD', KEYS[2], '*', unpack(fields))
else
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  redis.call('HSET', ARGV[5] .. ARGV[6], unpack(fields))
  redis.call('ZADD', KEYS[3], now + delay, ARGV[6])
end
return 1
