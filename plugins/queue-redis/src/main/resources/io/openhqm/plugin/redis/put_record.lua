-- Stores a record unless the stored one of that id is terminal, and publishes a terminal record to its waiters
-- once stored. KEYS[1] record key; ARGV[1] record, ARGV[2] TTL ms, ARGV[3] channel of the waiters ('' unless
-- terminal). Returns 1 if stored, 0 if the stored record was terminal (then nothing changes).
if store_record(KEYS[1], ARGV[1], ARGV[2], ARGV[3]) then
  return 1
end
return 0
