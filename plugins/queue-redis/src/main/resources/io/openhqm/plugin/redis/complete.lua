-- Finishes a delivery in one step: stores its terminal record (unless a terminal one is stored already) and
-- publishes it to its waiters, then settles the entry as done (see settle.lua).
-- KEYS[1] record key, KEYS[2] the entry's stream; ARGV[1] record, ARGV[2] TTL ms, ARGV[3] waiters' channel,
-- ARGV[4] group, ARGV[5] consumer, ARGV[6] entry id.
-- Returns 1, or 0 if the consumer no longer holds the entry (the record is stored all the same: it is final).
store_record(KEYS[1], ARGV[1], ARGV[2], ARGV[3])
if settle(KEYS[2], ARGV[4], ARGV[5], ARGV[6]) then
  return 1
end
return 0
