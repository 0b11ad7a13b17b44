-- Stores a record unless the stored one of that id is terminal (a terminal status is final), and publishes a
-- terminal record to its waiters once stored.
-- KEYS[1] record key; ARGV[1] record, ARGV[2] TTL ms, ARGV[3] channel of the waiters ('' unless terminal).
-- Returns 1 if stored, 0 if the stored record was terminal (then nothing changes).
local stored = redis.call('GET', KEYS[1])
if stored and is_terminal(record_status(stored)) then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if ARGV[3] ~= '' then
  redis.call('PUBLISH', ARGV[3], ARGV[1])
end
return 1
