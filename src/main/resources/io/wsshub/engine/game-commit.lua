-- KEYS: 1 the match. ARGV: 1 the stamp of a held record, 2 events channel. Replicas confirmed it
-- (redis.ack.replicas): it becomes what readers get and its event is published, once (another node that confirmed
-- it first did both). A record written over it since is left to its own writer. Returns the match as it is now:
-- {rec, '1' if held, st} (empty if it is gone).
if redis.call('HGET', KEYS[1], 'st') == ARGV[1] and redis.call('HGET', KEYS[1], 'h') then
  redis.call('PUBLISH', ARGV[2], redis.call('HGET', KEYS[1], 'ev'))
  redis.call('HDEL', KEYS[1], 'h', 'ev', 'crec')
end
local rec = redis.call('HGET', KEYS[1], 'rec')
if not rec then return {} end
return {rec, redis.call('HGET', KEYS[1], 'h') or '', redis.call('HGET', KEYS[1], 'st') or ''}
