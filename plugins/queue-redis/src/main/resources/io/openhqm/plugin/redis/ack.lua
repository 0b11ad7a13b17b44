-- Settles a delivery as done. KEYS[1] the stream of the entry; ARGV[1] group, ARGV[2] consumer, ARGV[3] entry id.
-- Returns 1, or 0 if the consumer no longer holds the entry (then nothing changes).
if settle(KEYS[1], ARGV[1], ARGV[2], ARGV[3]) then
  return 1
end
return 0
