-- ARGV: 1 channel, 2 presence ttl ms, 3 key ttl s, then pairs entry, user: this node's live entries of the room.
-- Pushes their deadlines on (re-adding one that expired while this node was cut off), then purges the dead.
local epoch = redis.call('HGET', KEYS[1], 'e')
if not epoch then return 0 end
local now = now_ms()
purge(ARGV[1], epoch, now)
for i = 4, #ARGV, 2 do
  add_entry(ARGV[1], epoch, ARGV[i], ARGV[i + 1])
  redis.call('ZADD', KEYS[5], now + tonumber(ARGV[2]), ARGV[i])
end
touch(tonumber(ARGV[3]))
return 1
