-- Settles a delivery as done: acknowledge and delete the entry, atomically.
-- KEYS[1] request stream; ARGV[1] group, ARGV[2] entry id. Returns 1, or 0 if it was settled already.
local acked = redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
return acked
