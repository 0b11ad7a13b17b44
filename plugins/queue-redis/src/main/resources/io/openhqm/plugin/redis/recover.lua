-- At start: takes back the entries still pending for this consumer name (a previous run of this process that
-- stopped without settling them), so they are processed now instead of after the visibility timeout.
-- KEYS[1] request stream; ARGV[1] group, ARGV[2] consumer, ARGV[3] start id (exclusive; '-' for the first call),
-- ARGV[4] count. Returns {{id, deliveries, {field, value, ...}}, ...}; fewer than count means done.
local start = ARGV[3]
if start ~= '-' then start = '(' .. start end
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], start, '+', tonumber(ARGV[4]), ARGV[2])
local out = {}
for _, p in ipairs(pending) do
  local claimed = redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, p[1])
  if claimed[1] and claimed[1][2] then
    out[#out + 1] = {p[1], p[4] + 1, claimed[1][2]}
  else
    redis.call('XACK', KEYS[1], ARGV[1], p[1])
    out[#out + 1] = {p[1], 0, {}}
  end
end
return out
