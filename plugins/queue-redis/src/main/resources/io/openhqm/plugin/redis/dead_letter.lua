-- Settles a delivery by moving its message to the pool's dead-letter stream, atomically.
-- KEYS[1] the stream of the entry, KEYS[2] dead-letter stream;
-- ARGV[1] group, ARGV[2] consumer, ARGV[3] entry id, ARGV[4] max dead-letter stream length (0 = none),
-- ARGV[5..] fields and values.
-- Returns 1, or 0 if the consumer no longer holds the entry (then nothing is added).
if not settle(KEYS[1], ARGV[1], ARGV[2], ARGV[3]) then
  return 0
end
local fields = {}
for i = 5, #ARGV do fields[#fields + 1] = ARGV[i] end
if tonumber(ARGV[4]) > 0 then
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', unpack(fields))
else
  redis.call('XADD', KEYS[2], '*', unpack(fields))
end
return 1
