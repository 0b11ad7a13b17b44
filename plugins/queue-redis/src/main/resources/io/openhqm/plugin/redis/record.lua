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

