-- POSTs a ~1 KiB echo submission; used by bench/*.sh
local data = string.rep("x", 960)
wrk.method = "POST"
wrk.path = "/api/v1/submit"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"payload": {"operation": "echo", "data": "' .. data .. '"}}'
