-- The live matches, oldest first. KEYS: 1 live sorted set. ARGV: 1 key prefix, 2 at most.
-- Returns record, spectator count, record, spectator count, ...
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)) do
  local key = ARGV[1] .. 'm:' .. id
  -- a held record is not shown yet: the last confirmed one is ('' for a new match: none)
  local rec = redis.call('HGET', key, 'crec') or redis.call('HGET', key, 'rec')
  if not rec then
    redis.call('ZREM', KEYS[1], id)
  elseif rec ~= '' then
    out[#out + 1] = rec
    out[#out + 1] = redis.call('ZCOUNT', ARGV[1] .. 's:' .. id, now, '+inf')
  end
end
return out
