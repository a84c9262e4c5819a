-- KEYS: 1 the match. ARGV: 1 the stamp of a held record (game-update.lua). A write on the connection that waits
-- for replicas, after the held record in the replication stream: its WAIT confirms that record too. Returns 1 if
-- the record is still held under that stamp (and touched), 0 if not (nothing to confirm).
if redis.call('HGET', KEYS[1], 'st') ~= ARGV[1] or not redis.call('HGET', KEYS[1], 'h') then
  return 0
end
redis.call('HSET', KEYS[1], 'h', '1')
return 1
