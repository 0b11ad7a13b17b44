-- Settling a delivery. Only the consumer that still holds an entry settles it: one that held it past the visibility
-- timeout may have lost it to another consumer, and its late settle must neither remove the entry from under the
-- new holder nor hand the message back a second time. An entry is deleted only once every consumer group of its
-- stream has settled it, so each worker pool (group) on a stream gets every message (fan-out).

-- Whether stream id a comes before stream id b.
local function id_before(a, b)
  local a_ms, a_seq = string.match(a, '^(%d+)-(%d+)$')
  local b_ms, b_seq = string.match(b, '^(%d+)-(%d+)$')
  a_ms, b_ms = tonumber(a_ms), tonumber(b_ms)
  if a_ms ~= b_ms then
    return a_ms < b_ms
  end
  return tonumber(a_seq) < tonumber(b_seq)
end

-- The groups of a stream as {name, last-delivered-id} pairs, read once per script run (settling changes neither).
local groups_of_stream = {}
local function stream_groups(stream)
  local groups = groups_of_stream[stream]
  if not groups then
    groups = {}
    for _, info in ipairs(redis.call('XINFO', 'GROUPS', stream)) do
      local name, last
      for i = 1, #info, 2 do
        if info[i] == 'name' then
          name = info[i + 1]
        elseif info[i] == 'last-delivered-id' then
          last = info[i + 1]
        end
      end
      groups[#groups + 1] = {name, last}
    end
    groups_of_stream[stream] = groups
  end
  return groups
end

-- Whether every group of the stream other than `group` has read the entry and has it no longer pending.
local function settled_by_other_groups(stream, group, id)
  for _, g in ipairs(stream_groups(stream)) do
    if g[1] ~= group and (id_before(g[2], id) or #redis.call('XPENDING', stream, g[1], id, id, 1) > 0) then
      return false
    end
  end
  return true
end

-- Acknowledges the entry if `consumer` holds it, and deletes it if no other group still needs it.
-- Returns false (and changes nothing) if `consumer` does not hold it: its lease was lost, or it was settled already.
local function settle(stream, group, consumer, id)
  local pending = redis.call('XPENDING', stream, group, id, id, 1)
  if not pending[1] or pending[1][2] ~= consumer then
    return false
  end
  redis.call('XACK', stream, group, id)
  if settled_by_other_groups(stream, group, id) then
    redis.call('XDEL', stream, id)
  end
  return true
end

