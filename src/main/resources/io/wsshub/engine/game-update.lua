-- Compare-and-set of a match record (docs/cluster.md). KEYS: 1 the match (hash: rec, rev, st), 2 due sorted set,
-- 3 and 4 the players' keys. ARGV: 1 the rev the caller read, 2 the new rev, 3 the new record ('' only moves the
-- next check), 4 next check (ms), 5 matchId, 6 '1' if the match is over, 7 and 13 the event's JSON before and
-- after the record's, 8 events channel, 9 key ttl (s), 10 the write stamp of the record the caller read ('' for a
-- first record), 11 the new record's stamp, 12 '1': hold it (redis.ack.replicas: the record is stored held, with
-- its event's parts in evp and evs and the last confirmed record in crec, which is what readers get;
-- game-commit.lua shows it once replicas confirmed it).
-- Returns 1 if written, 0 if the record changed since it was read (or is gone): another rev, or the same
-- rev under another stamp (the store lost the write the caller read, and another took its rev).
local rev = redis.call('HGET', KEYS[1], 'rev')
if not rev or rev ~= ARGV[1] then
  return 0
end
if ARGV[3] ~= '' and ARGV[10] and (redis.call('HGET', KEYS[1], 'st') or '') ~= ARGV[10] then
  return 0
end
if ARGV[3] ~= '' then
  if ARGV[12] == '1' and not redis.call('HGET', KEYS[1], 'h') then
    -- readers keep getting the last confirmed record while this one is held
    redis.call('HSET', KEYS[1], 'crec', redis.call('HGET', KEYS[1], 'rec'))
  elseif ARGV[12] ~= '1' then
    redis.call('HDEL', KEYS[1], 'h', 'evp', 'evs', 'crec')
  end
  redis.call('HSET', KEYS[1], 'rec', ARGV[3], 'rev', ARGV[2])
  if ARGV[11] then redis.call('HSET', KEYS[1], 'st', ARGV[11]) else redis.call('HDEL', KEYS[1], 'st') end
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[9]))
  if ARGV[6] == '1' then
    for i = 3, 4 do
      if redis.call('GET', KEYS[i]) == ARGV[5] then
        redis.call('DEL', KEYS[i])
      end
    end
  end
  if ARGV[12] == '1' then
    redis.call('HSET', KEYS[1], 'h', '1', 'evp', ARGV[7], 'evs', ARGV[13])
  else
    redis.call('PUBLISH', ARGV[8], ARGV[7] .. ARGV[3] .. ARGV[13])
  end
end
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5])
return 1
