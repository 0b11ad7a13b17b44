-- Takes back specific entries of this consumer whose settling failed (Redis was unreachable), to deliver them
-- again now instead of after the visibility timeout. Entries settled meanwhile are skipped.
-- KEYS[1] request stream; ARGV[1] group, ARGV[2] consumer, ARGV[3..] entry ids.
-- Returns {{id, deliveries, {field, value, ...}}, ...}.
local out = {}
for i = 3, #ARGV do
  local claimed = redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i])
  if claimed[1] and claimed[1][2] then
    local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
    local count = 1
    if p[1] then count = p[1][4] end
    out[#out + 1] = {ARGV[i], count, claimed[1][2]}
  end
end
return out
