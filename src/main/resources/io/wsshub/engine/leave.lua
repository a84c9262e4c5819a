-- ARGV: 1 channel, 2 entry, 3 key ttl s. Removes one presence entry (its user leaves with their last one).
local epoch = redis.call('HGET', KEYS[1], 'e')
if not epoch then return 0 end
remove_entry(ARGV[1], epoch, ARGV[2])
purge(ARGV[1], epoch, now_ms())
touch(tonumber(ARGV[3]))
return 1
