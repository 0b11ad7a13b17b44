-- Moves a dead letter back to its pool, atomically: the entry is added to the pool's retry stream without its
-- dead-letter fields, attempt and history (a fresh attempt budget), and deleted from the dead-letter stream.
-- An entry without a correlation_id field (a plain XADD) gets its source entry id as one, so its id stays the same.
-- KEYS[1] dead-letter stream, KEYS[2] the pool's retry stream; ARGV[1] the dead letter's entry id.
-- Returns 1, or 0 if there is no such dead letter (then nothing changes).
local entries = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
if #entries == 0 then
  return 0
end
local dropped = {dlq_reason = true, dlq_at = true, dlq_source_id = true, dlq_group = true, attempt = true,
  history = true}
local source = entries[1][2]
local fields = {}
local has_id = false
local source_id
for i = 1, #source, 2 do
  local name = source[i]
  if name == 'correlation_id' then
    has_id = true
  elseif name == 'dlq_source_id' then
    source_id = source[i + 1]
  end
  if not dropped[name] then
    fields[#fields + 1] = name
    fields[#fields + 1] = source[i + 1]
  end
end
if not has_id and source_id then
  local has_body = false
  for i = 1, #fields, 2 do
    if fields[i] == 'body' then has_body = true end
  end
  if has_body then
    fields[#fields + 1] = 'correlation_id'
    fields[#fields + 1] = source_id
  end
end
redis.call('XADD', KEYS[2], '*', unpack(fields))
redis.call('XDEL', KEYS[1], ARGV[1])
return 1
