-- Claims entries whose consumer left them unsettled for longer than the visibility timeout (XAUTOCLAIM), and
-- tells how often each has been delivered now.
-- KEYS[1] request stream; ARGV[1] group, ARGV[2] consumer, ARGV[3] min idle ms, ARGV[4] cursor, ARGV[5] count.
-- Returns {next cursor, {id, deliveries, {field, value, ...}}, ...}.
local r = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], 'COUNT', ARGV[5])
local out = {r[1]}
for _, e in ipairs(r[2]) do
  if e and e[1] and e[2] then
    local p = redis.call('XPENDING', KEYS[1], ARGV[1], e[1], e[1], 1)
    local count = 1
    if p[1] then count = p[1][4] end
    out[#out + 1] = {e[1], count, e[2]}
  elseif e and e[1] then
    -- Redis 6.2 returns deleted entries without fields: nothing to deliver, drop them from the pending list.
    redis.call('XACK', KEYS[1], ARGV[1], e[1])
  end
end
return out
