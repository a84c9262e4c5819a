-- Which nodes have a game connection of a user. KEYS: 1 the user's nodes (node -> deadline ms).
-- ARGV: 1 node, 2 ttl ms, 3 '1' this node has one, '0' it has none, '?' only count.
-- Returns how many nodes have one (a dead node's entry expires).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if ARGV[3] == '1' then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[2]))
elseif ARGV[3] == '0' then
  redis.call('ZREM', KEYS[1], ARGV[1])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZCARD', KEYS[1])
