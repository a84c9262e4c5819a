-- ARGV: 1 the room's epoch as the caller's node saw it, 2 the newest id it delivered, 3 a new epoch, 4 key ttl s.
-- See heal in the library. Returns {epoch ('' when the room has no state), newest
-- visible id} after.
if heal(ARGV[1], tonumber(ARGV[2]), ARGV[3]) then touch(tonumber(ARGV[4])) end
return {redis.call('HGET', KEYS[1], 'e') or '', committed()}
