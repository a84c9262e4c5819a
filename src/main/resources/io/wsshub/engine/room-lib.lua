-- Shared by the room scripts (prepended to each). KEYS: 1 meta hash (e = epoch, s = newest id, pv = presence
-- version), 2 history stream (entry id = message id), 3 clientId hash (user\nclientId -> id), 4 presence entries
-- (entry -> user), 5 presence deadlines (sorted set entry -> expiry ms), 6 users (user -> entries).
-- LIST_MAX (presence.list.max) is defined above this library when the scripts are loaded.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- the member count, and the sorted members only while there are at most LIST_MAX (else an empty list): a big
-- room's joins and leaves cost the same whatever its size
local function members()
  local n = redis.call('HLEN', KEYS[6])
  if n > LIST_MAX then return n, {} end
  local m = redis.call('HKEYS', KEYS[6])
  table.sort(m)
  return n, m
end

-- a presence change goes out on the room's channel with the room's next presence version:
-- q, epoch, pv, event, user, count, members...
local function publish_presence(channel, epoch, event, user)
  local pv = redis.call('HINCRBY', KEYS[1], 'pv', 1)
  local n, m = members()
  local parts = {'q', epoch, pv, event, user, n}
  for _, u in ipairs(m) do parts[#parts + 1] = u end
  redis.call('PUBLISH', channel, table.concat(parts, '\n'))
  return pv
end

-- a room without an epoch starts a new life: a surviving stream or clientId map must never mix with it
local function ensure_epoch(candidate)
  local e = redis.call('HGET', KEYS[1], 'e')
  if not e then
    e = candidate
    redis.call('DEL', KEYS[2], KEYS[3])
    redis.call('HSET', KEYS[1], 'e', e, 's', 0)
  end
  return e
end

-- The caller's node delivered the room up to (seen epoch, seen top) ('' / -1: it has not seen it). A store
-- behind that lost acknowledged writes (a restart from an older file, a failover to a lagging replica): the room
-- gets a new epoch and its ids go on above seen top, so no id a member saw names another message. A room with
-- no state at all starts above seen top too. Returns true when it healed.
local function heal(seen_epoch, seen_top, candidate)
  if seen_epoch == '' then return false end
  local e = redis.call('HGET', KEYS[1], 'e')
  if e then
    local s = tonumber(redis.call('HGET', KEYS[1], 's') or '0')
    if e ~= seen_epoch or s >= seen_top then return false end
  else
    redis.call('DEL', KEYS[2], KEYS[3])
  end
  redis.call('HSET', KEYS[1], 'e', candidate, 's', seen_top)
  return true
end

local function add_entry(channel, epoch, entry, user)
  if redis.call('HSETNX', KEYS[4], entry, user) == 1 then
    if redis.call('HINCRBY', KEYS[6], user, 1) == 1 then
      publish_presence(channel, epoch, 'join', user)
    end
  end
end

local function remove_entry(channel, epoch, entry)
  local user = redis.call('HGET', KEYS[4], entry)
  redis.call('ZREM', KEYS[5], entry)
  if not user then return end
  redis.call('HDEL', KEYS[4], entry)
  if redis.call('HINCRBY', KEYS[6], user, -1) <= 0 then
    redis.call('HDEL', KEYS[6], user)
    publish_presence(channel, epoch, 'leave', user)
  end
end

-- entries whose node stopped refreshing them (it died): their users leave
local function purge(channel, epoch, now)
  for _, entry in ipairs(redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', now)) do
    remove_entry(channel, epoch, entry)
  end
end

local function touch(ttl)
  for i = 1, 6 do redis.call('EXPIRE', KEYS[i], ttl) end
end
