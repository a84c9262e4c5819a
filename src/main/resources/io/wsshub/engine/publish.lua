-- ARGV: 1 channel, 2 epoch if new, 3 user, 4 clientId ('' none), 5 text, 6 ts, 7 history size, 8 key ttl s,
-- 9 and 10 the room as the caller's node saw it (epoch or '', newest id: see heal).
-- The clientId is checked before an id is consumed: a retry (from any node) gets the original, no new id.
-- Returns {epoch, duplicate (0/1), stream entry}.
heal(ARGV[9], tonumber(ARGV[10]), ARGV[2])
local epoch = ensure_epoch(ARGV[2])
local dkey = ARGV[3] .. '\n' .. ARGV[4]
if ARGV[4] ~= '' then
  local original = redis.call('HGET', KEYS[3], dkey)
  if original then
    local e = redis.call('XRANGE', KEYS[2], original .. '-0', original .. '-0')
    if #e > 0 then return {epoch, 1, e[1]} end
    redis.call('HDEL', KEYS[3], dkey)
  end
end
local id = redis.call('HINCRBY', KEYS[1], 's', 1)
local max = tonumber(ARGV[7])
-- trim one by one, forgetting each trimmed message's clientId with it (as the retained history defines dedupe)
while redis.call('XLEN', KEYS[2]) >= max do
  local old = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)[1]
  local f, c = nil, nil
  for i = 1, #old[2], 2 do
    if old[2][i] == 'f' then f = old[2][i + 1] elseif old[2][i] == 'c' then c = old[2][i + 1] end
  end
  if c and c ~= '' then redis.call('HDEL', KEYS[3], f .. '\n' .. c) end
  redis.call('XDEL', KEYS[2], old[1])
end
local sid = string.format('%d-0', id)
local fields = {'f', ARGV[3], 't', ARGV[5], 'ts', ARGV[6], 'c', ARGV[4]}
redis.call('XADD', KEYS[2], sid, unpack(fields))
if ARGV[4] ~= '' then redis.call('HSET', KEYS[3], dkey, id) end
redis.call('PUBLISH', ARGV[1], table.concat({'m', epoch, id, ARGV[3], ARGV[4], ARGV[6], ARGV[5]}, '\n'))
touch(tonumber(ARGV[8]))
return {epoch, 0, {sid, fields}}
