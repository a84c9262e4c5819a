-- ARGV: 1 channel, 2 the epoch the message was stored in, 3 its id. Replicas confirmed it (redis.ack.replicas):
-- it and every message below it become visible and are announced (see commit). A room that changed epoch
-- meanwhile (healed) is left alone. Returns the newest visible id.
if redis.call('HGET', KEYS[1], 'e') == ARGV[2] then
  commit(ARGV[1], ARGV[2], tonumber(ARGV[3]))
end
return committed()
