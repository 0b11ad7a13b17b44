-- Reading a stored record (RecordFormat) in a script. It writes "id" first and "status" second, and a quote inside
-- the id is escaped, so the first ,"status":" is the record's own: no need to parse a large reply.
local function record_status(json)
  local _, at = string.find(json, ',"status":"', 1, true)
  if not at then return nil end
  return string.match(json, '^(%u+)"', at + 1)
end

local function is_terminal(status)
  return status == 'COMPLETED' or status == 'FAILED' or status == 'TIMEOUT'
end

-- Stores a record with its TTL unless the stored one of that key is terminal (a terminal status is final), and
-- publishes it on `channel` (its waiters' channel; '' for none) once stored. Returns whether it stored it.
local function store_record(key, record, ttl, channel)
  local stored = redis.call('GET', key)
  if stored and is_terminal(record_status(stored)) then
    return false
  end
  redis.call('SET', key, record, 'PX', ttl)
  if channel ~= '' then
    redis.call('PUBLISH', channel, record)
  end
  return true
end
