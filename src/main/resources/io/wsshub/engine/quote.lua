-- KEYS: 1 the symbol's hash (open, price, seq, ts), 2 the set of known symbols. ARGV: 1 symbol, 2 price, 3 ts,
-- 4 channel, 5 the newest seq the caller's node delivered (0: none). One seq per symbol across nodes; the quote
-- goes to every node. A store behind the caller lost quotes (a restart from an older file, a failover to a
-- replica that lagged): the seq goes on above what the caller saw. 6 '1': hold it (redis.ack.replicas; the caller
-- runs quote-commit.lua once replicas confirmed it), else it is published now. Returns {seq, open, 1 if it went on
-- so}.
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local healed = 0
if seq <= tonumber(ARGV[5] or '0') then
  seq = tonumber(ARGV[5]) + 1
  redis.call('HSET', KEYS[1], 'seq', seq)
  healed = 1
end
redis.call('HSETNX', KEYS[1], 'open', ARGV[2])
redis.call('HSET', KEYS[1], 'price', ARGV[2], 'ts', ARGV[3])
redis.call('SADD', KEYS[2], ARGV[1])
local open = redis.call('HGET', KEYS[1], 'open')
if ARGV[6] ~= '1' then
  redis.call('PUBLISH', ARGV[4], table.concat({ARGV[1], ARGV[2], open, seq, ARGV[3]}, '\n'))
  redis.call('HSET', KEYS[1], 'k', seq)
end
return {seq, open, healed}
