-- Settles a delivery by handing the message back (retry or defer), atomically: acknowledge and delete the entry,
-- then either add it to the end of the stream now (delay <= 0) or park it in the delayed set until it is due.
-- KEYS[1] request stream, KEYS[2] delayed set;
-- ARGV[1] group, ARGV[2] entry id, ARGV[3] delay ms, ARGV[4] prefix of delayed-message hashes,
-- ARGV[5] member id, ARGV[6] max stream length (0 = none), ARGV[7..] the new entry's fields and values.
-- Returns 1, or 0 if the entry was settled already (then nothing is added: no duplicate).
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then
  redis.call('XDEL', KEYS[1], ARGV[2])
  return 0
end
redis.call('XDEL', KEYS[1], ARGV[2])
local fields = {}
for i = 7, #ARGV do fields[#fields + 1] = ARGV[i] end
local delay = tonumber(ARGV[3])
if delay <= 0 then
  if tonumber(ARGV[6]) > 0 then
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[6], '*', unpack(fields))
  else
    redis.call('XADD', KEYS[1], '*', unpack(fields))
  end
else
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  redis.call('HSET', ARGV[4] .. ARGV[5], unpack(fields))
  redis.call('ZADD', KEYS[2], now + delay, ARGV[5])
end
return 1
