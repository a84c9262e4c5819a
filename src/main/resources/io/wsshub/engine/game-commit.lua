-- KEYS: 1 the match. ARGV: 1 the stamp of a held record, 2 events channel, 3 '1': answer the match as it is now.
-- Replicas confirmed it (redis.ack.replicas): it becomes what readers get and its event is published, once
-- (another node that confirmed it first did both). A record written over it since is left to its own writer.
-- Returns {rec, '1' if held, st} (empty if the match is gone) with ARGV[3] '1', else 1.
local f = redis.call('HMGET', KEYS[1], 'st', 'h', 'evp', 'evs', 'rec')
if f[1] == ARGV[1] and f[2] then
  redis.call('PUBLISH', ARGV[2], f[3] .. f[5] .. f[4])
  redis.call('HDEL', KEYS[1], 'h', 'evp', 'evs', 'crec')
  f[2] = false
end
if ARGV[3] ~= '1' then return 1 end
if not f[5] then return {} end
return {f[5], f[2] or '', f[1] or ''}
