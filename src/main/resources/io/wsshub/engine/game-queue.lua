-- Matchmaking in one step (docs/cluster.md). KEYS: 1 the queue (a list of users), 2 the caller's player key.
-- ARGV: 1 user, 2 new matchId, 3 '1' if the caller is R, 4 the first turn's deadline (ms), 5 key prefix,
-- 6 events channel, 7 key ttl (s), 8 due sorted set, 9 live sorted set, 10 '1': hold the new match
-- (redis.ack.replicas: stored as game-update.lua holds a record, with no confirmed record before it, and checked
-- a second later so that a match whose creator could not confirm it is confirmed by whoever checks it),
-- 11 the first record's write stamp.
-- Returns {'already_playing', id} | {'already_queued'} | {'queued'} | {'matched', id}. A waiting user with no
-- live game connection (a dead node's) or already in a match is dropped, never matched.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local current = redis.call('GET', KEYS[2])
if current then
  return {'already_playing', current}
end
if redis.call('LPOS', KEYS[1], ARGV[1]) then
  return {'already_queued'}
end
local p = ARGV[5]
local ttl = tonumber(ARGV[7])
while true do
  local opp = redis.call('LPOP', KEYS[1])
  if not opp then
    redis.call('RPUSH', KEYS[1], ARGV[1])
    redis.call('EXPIRE', KEYS[1], ttl)
    return {'queued'}
  end
  if opp ~= ARGV[1] and redis.call('ZCOUNT', p .. 'o:' .. opp, now, '+inf') > 0
      and not redis.call('GET', p .. 'p:' .. opp) then
    local red, yellow = ARGV[1], opp
    if ARGV[3] ~= '1' then
      red, yellow = opp, ARGV[1]
    end
    local json = cjson.encode({id = ARGV[2], red = red, yellow = yellow, board = string.rep('.', 42), ver = 1,
      rev = 1, turn = 'R', deadline = tonumber(ARGV[4]), status = 'playing', stamp = ARGV[11]})
    local key = p .. 'm:' .. ARGV[2]
    redis.call('HSET', key, 'rec', json, 'rev', '1', 'st', ARGV[11])
    redis.call('EXPIRE', key, ttl)
    redis.call('SET', KEYS[2], ARGV[2], 'EX', ttl)
    redis.call('SET', p .. 'p:' .. opp, ARGV[2], 'EX', ttl)
    redis.call('ZADD', ARGV[9], now, ARGV[2])
    if ARGV[10] == '1' then
      redis.call('HSET', key, 'h', '1', 'evp', '{"kind":"new","match":', 'evs', '}', 'crec', '') -- '': none to show
      redis.call('ZADD', ARGV[8], math.min(tonumber(ARGV[4]), now + 1000), ARGV[2])
    else
      redis.call('ZADD', ARGV[8], ARGV[4], ARGV[2])
      redis.call('PUBLISH', ARGV[6], '{"kind":"new","match":' .. json .. '}')
    end
    return {'matched', ARGV[2]}
  end
end
