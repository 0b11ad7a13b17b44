-- Stores records, each unless the stored one of its id is terminal, and publishes each terminal record it stored to
-- its waiters. KEYS[i] the i-th record's key; ARGV[1] TTL ms, then two per record: the record, and the channel of
-- its waiters ('' unless terminal). Returns one number per record: 1 if stored, 0 if the stored record was terminal
-- (then nothing changed).
local stored = {}
for i = 1, #KEYS do
  stored[i] = store_record(KEYS[i], ARGV[2 * i], ARGV[1], ARGV[2 * i + 1]) and 1 or 0
end
return stored
