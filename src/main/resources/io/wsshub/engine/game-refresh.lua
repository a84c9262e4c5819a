-- Keeps a node's game users and spectators counted. KEYS: the users' node sets, then spectator sets.
-- ARGV: 1 node, 2 ttl ms, 3 how many KEYS are users, then one spectator entry per spectator set.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
for i = 1, #KEYS do
  if i <= n then
    redis.call('ZADD', KEYS[i], now + ttl, ARGV[1])
  else
    redis.call('ZADD', KEYS[i], 'XX', now + ttl, ARGV[i - n + 3])
  end
  redis.call('PEXPIRE', KEYS[i], 2 * ttl)
end
return #KEYS
