-- Deletes a record if it is still PENDING with no attempt started (its submission was not published).
-- KEYS[1] record key. Returns 1 if deleted, else 0.
local stored = redis.call('GET', KEYS[1])
if not stored or record_status(stored) ~= 'PENDING' then
  return 0
end
local ok, record = pcall(cjson.decode, stored)
if ok and type(record) == 'table' and tonumber(record.attempts) == 0 then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
