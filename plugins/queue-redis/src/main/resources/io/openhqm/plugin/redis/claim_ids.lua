-- Takes back specific entries this consumer still holds whose settling failed (Redis was unreachable), to deliver
-- them again now instead of after the visibility timeout. Entries settled or reclaimed by another consumer meanwhile
-- are skipped.
-- KEYS[1] stream; ARGV[1] group, ARGV[2] consumer, ARGV[3..] entry ids.
-- Returns {{id, deliveries, {field, value, ...}}, ...}.
local out = {}
for i = 3, #ARGV do
  local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if pending[1] and pending[1][2] == ARGV[2] then
    local claimed = redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i])
    if claimed[1] and claimed[1][2] then
      out[#out + 1] = {ARGV[i], pending[1][4] + 1, claimed[1][2]}
    end
  end
end
return out
