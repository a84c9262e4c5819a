-- KEYS: 1 the symbol's hash. ARGV: 1 the quote as quote.lua would publish it, 2 its seq, 3 channel. Replicas
-- confirmed it (redis.ack.replicas): it is published unless a newer quote of the symbol was published first (k,
-- the newest published seq), so nodes see each symbol's seq only go up. Returns 1 if published.
if tonumber(redis.call('HGET', KEYS[1], 'k') or '0') >= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'k', ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[1])
return 1
