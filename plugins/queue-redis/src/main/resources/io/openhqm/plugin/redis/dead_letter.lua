-- Settles a delivery by moving its message to the dead-letter stream, atomically.
-- KEYS[1] request stream, KEYS[2] dead-letter stream;
-- ARGV[1] group, ARGV[2] entry id, ARGV[3] max dead-letter stream length (0 = none), ARGV[4..] fields and values.
-- Returns 1, or 0 if the entry was settled already (then nothing is added).
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then
  redis.call('XDEL', KEYS[1], ARGV[2])
  return 0
end
redis.call('XDEL', KEYS[1], ARGV[2])
local fields = {}
for i = 4, #ARGV do fields[#fields + 1] = ARGV[i] end
if tonumber(ARGV[3]) > 0 then
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', unpack(fields))
else
  redis.call('XADD', KEYS[2], '*', unpack(fields))
end
return 1
