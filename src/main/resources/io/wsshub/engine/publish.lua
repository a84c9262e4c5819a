-- ARGV: 1 channel, 2 epoch if new, 3 user, 4 clientId ('' none), 5 text, 6 ts, 7 history size, 8 key ttl s,
-- 9 and 10 the room as the caller's node saw it (epoch or '', newest id: see heal), 11 and 12 the user's hourly
-- quota of bytes and new rooms ('' '': not metered), 13 '1': hold it (redis.ack.replicas: it is stored, and seen
-- only once commit.lua runs after replicas confirmed it), else it is committed and announced at once.
-- The clientId is checked before an id is consumed or a quota counted: a retry (from any node) gets the original.
-- Returns {epoch, duplicate (0/1), stream entry, 1 when it waits for commit (held, or a held original)}.
local new_room = not redis.call('HGET', KEYS[1], 'e')
local dkey = ARGV[3] .. '\n' .. ARGV[4]
if ARGV[4] ~= '' and not new_room then
  local original = redis.call('HGET', KEYS[3], dkey)
  if original then
    local e = redis.call('XRANGE', KEYS[2], original .. '-0', original .. '-0')
    if #e > 0 then
      local held = tonumber(original) > committed() and 1 or 0
      -- a held original may not be replicated yet: this write makes the caller's WAIT cover it (it comes after)
      if held == 1 and ARGV[13] == '1' then redis.call('HSET', KEYS[1], 'w', original) end
      return {redis.call('HGET', KEYS[1], 'e'), 1, e[1], held}
    end
  end
end
local room_charge = new_room and 1 or 0
check_quota(ARGV[3], #ARGV[5], room_charge, ARGV[11], ARGV[12])
admit_room()
heal(ARGV[9], tonumber(ARGV[10]), ARGV[2])
local epoch = ensure_epoch(ARGV[2])
if ARGV[4] ~= '' then
  local original = redis.call('HGET', KEYS[3], dkey)
  if original and #redis.call('XRANGE', KEYS[2], original .. '-0', original .. '-0') == 0 then
    redis.call('HDEL', KEYS[3], dkey) -- its message was trimmed: the clientId may be used again
  end
end
charge(ARGV[3], #ARGV[5], room_charge, ARGV[11])
local id = redis.call('HINCRBY', KEYS[1], 's', 1)
local max = tonumber(ARGV[7])
local size = cost(ARGV[3], ARGV[5], ARGV[6], ARGV[4])
local bytes = tonumber(redis.call('HGET', KEYS[1], 'b') or '0')
-- trim one by one, oldest first, to the history size (with room for this one) and HISTORY_MAX_BYTES (keeping at
-- least this one), forgetting each trimmed message's clientId with it (the retained history defines dedupe)
local len = redis.call('XLEN', KEYS[2])
while len > 0 and (len >= max or bytes + size > HISTORY_MAX_BYTES) do
  local old = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)[1]
  local f, t, ts, c = '', '', '', nil
  for i = 1, #old[2], 2 do
    local k, v = old[2][i], old[2][i + 1]
    if k == 'f' then f = v elseif k == 't' then t = v elseif k == 'ts' then ts = v elseif k == 'c' then c = v end
  end
  if c and c ~= '' then redis.call('HDEL', KEYS[3], f .. '\n' .. c) end
  redis.call('XDEL', KEYS[2], old[1])
  bytes = math.max(0, bytes - cost(f, t, ts, c))
  len = len - 1
end
redis.call('HSET', KEYS[1], 'b', bytes + size)
local sid = string.format('%d-0', id)
local fields = {'f', ARGV[3], 't', ARGV[5], 'ts', ARGV[6], 'c', ARGV[4]}
redis.call('XADD', KEYS[2], sid, unpack(fields))
if ARGV[4] ~= '' then redis.call('HSET', KEYS[3], dkey, id) end
local held = 1
if ARGV[13] ~= '1' then
  held = 0
  if committed() == id - 1 then
    announce(ARGV[1], epoch, id, ARGV[3], ARGV[4], ARGV[6], ARGV[5])
    redis.call('HSET', KEYS[1], 'k', id)
  else
    commit(ARGV[1], epoch, id) -- held messages of nodes that wait for replicas go first
  end
end
touch(tonumber(ARGV[8]))
return {epoch, 0, {sid, fields}, held}
