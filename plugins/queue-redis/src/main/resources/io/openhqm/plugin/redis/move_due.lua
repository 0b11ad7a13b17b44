-- Moves a pool's delayed messages that are due into its retry stream. Idempotent and atomic, so any number of
-- processes may run it at once.
-- KEYS[1] delayed set, KEYS[2] retry stream; ARGV[1] limit, ARGV[2] prefix of delayed-message hashes.
-- Returns {moved, milliseconds until the next delayed message is due (-1: none)}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
for _, member in ipairs(due) do
  local key = ARGV[2] .. member
  local fields = redis.call('HGETALL', key)
  if #fields > 0 then
    redis.call('XADD', KEYS[2], '*', unpack(fields))
  end
  redis.call('DEL', key)
  redis.call('ZREM', KEYS[1], member)
end
local next = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local wait = -1
if next[2] then wait = math.max(0, tonumber(next[2]) - now) end
return {#due, wait}
