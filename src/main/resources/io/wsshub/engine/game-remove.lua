-- Removes a finished match after game.keep.seconds. KEYS: 1 the match, 2 due, 3 live, 4 its spectators.
-- ARGV: 1 the rev the caller read, 2 matchId, 3 the event, 4 events channel, 5 the stamp the caller read.
-- A record already gone is cleaned up.
local rev = redis.call('HGET', KEYS[1], 'rev')
if rev and (rev ~= ARGV[1] or (ARGV[5] and (redis.call('HGET', KEYS[1], 'st') or '') ~= ARGV[5])) then
  return 0
end
redis.call('DEL', KEYS[1], KEYS[4])
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('ZREM', KEYS[3], ARGV[2])
if rev then
  redis.call('PUBLISH', ARGV[4], ARGV[3])
end
return 1
