-- Finishes deliveries in one script, each in one step: stores its terminal record (unless a terminal one is
-- stored already) and publishes it to its waiters, then settles the entry as done (see settle.lua).
-- KEYS[2i-1] record key and KEYS[2i] the entry's stream of the i-th delivery; ARGV[1] group, then five per
-- delivery: record, TTL ms, waiters' channel, consumer, entry id.
-- Returns one number per delivery: 1, or 0 if the consumer no longer holds the entry (the record is stored all the
-- same: it is final).
local done = {}
for i = 1, #KEYS / 2 do
  local a = 2 + (i - 1) * 5
  store_record(KEYS[2 * i - 1], ARGV[a], ARGV[a + 1], ARGV[a + 2])
  done[i] = settle(KEYS[2 * i], ARGV[1], ARGV[a + 3], ARGV[a + 4]) and 1 or 0
end
return done
