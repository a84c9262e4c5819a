-- KEYS: the users' connection sets; ARGV: 1 ttl ms, then one entry per key. Pushes this node's live connections'
-- deadlines on (re-adding one that expired while the node was cut off from Redis).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now + ttl, ARGV[i + 1])
  redis.call('PEXPIRE', key, 2 * ttl)
end
return #KEYS
