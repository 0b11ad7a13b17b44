-- Unbinds an idempotency key if it is still bound to the given claim (same fingerprint and correlation id).
-- KEYS[1] key; ARGV[1] fingerprint, ARGV[2] correlation id. Returns 1 if unbound, else 0.
local stored = redis.call('GET', KEYS[1])
if not stored then
  return 0
end
local ok, claim = pcall(cjson.decode, stored)
if ok and type(claim) == 'table' and claim.fingerprint == ARGV[1] and claim.correlation_id == ARGV[2] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
