-- Shared by the room scripts (prepended to each). KEYS: 1 meta hash (e = epoch, s = newest id given, k = newest
-- id members may see (see commit), pv = presence version, b = bytes of the history), 2 history stream (entry id = message id), 3 clientId hash (user\nclientId ->
-- id), 4 presence entries (entry -> user), 5 presence deadlines (sorted set entry -> expiry ms), 6 users (user ->
-- entries), 7 the rooms that exist (sorted set meta key -> last activity ms).
-- LIST_MAX (presence.list.max), MAX_ROOMS (chat.max.rooms), ROOM_TTL_MS (chat.room.ttl.days) and HISTORY_MAX_BYTES
-- (chat.history.max.bytes) are defined above this library when the scripts are loaded.
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

-- The newest id members may see. With redis.ack.replicas a message is stored first and seen only once that many
-- replicas confirmed it (commit), so 'k' trails 's' meanwhile; a room from before 'k' has all of 's' visible.
local function committed()
  local k = redis.call('HGET', KEYS[1], 'k')
  if k then return tonumber(k) end
  return tonumber(redis.call('HGET', KEYS[1], 's') or '0')
end

-- a stored message goes out on the room's channel: m, epoch, id, from, clientId, ts, text
local function announce(channel, epoch, id, f, c, ts, t)
  redis.call('PUBLISH', channel, table.concat({'m', epoch, id, f, c or '', ts, t}, '\n'))
end

-- Makes the stored messages up to id visible, oldest first, each announced once. Called once replicas confirmed
-- id: replication is one ordered stream, so they hold every message below it too (whichever node stored it).
local function commit(channel, epoch, id)
  local k = committed()
  if id <= k then return end
  local list = redis.call('XRANGE', KEYS[2], string.format('%d-0', k + 1), string.format('%d-0', id))
  for _, e in ipairs(list) do
    local f, t, ts, c = '', '', '', ''
    for i = 1, #e[2], 2 do
      local n, v = e[2][i], e[2][i + 1]
      if n == 'f' then f = v elseif n == 't' then t = v elseif n == 'ts' then ts = v elseif n == 'c' then c = v end
    end
    announce(channel, epoch, tonumber(string.match(e[1], '^(%d+)')), f, c, ts, t)
  end
  redis.call('HSET', KEYS[1], 'k', id)
end

-- a room without an epoch starts a new life: a surviving stream or clientId map must never mix with it
local function ensure_epoch(candidate)
  local e = redis.call('HGET', KEYS[1], 'e')
  if not e then
    e = candidate
    redis.call('DEL', KEYS[2], KEYS[3])
    redis.call('HSET', KEYS[1], 'e', e, 's', 0, 'k', 0)
  elseif not redis.call('HGET', KEYS[1], 'k') then
    redis.call('HSET', KEYS[1], 'k', redis.call('HGET', KEYS[1], 's') or 0)
  end
  return e
end

-- The caller's node delivered the room up to (seen epoch, seen top) ('' / -1: it has not seen it). A store
-- behind that lost acknowledged writes (a restart from an older file, a failover to a lagging replica): the room
-- gets a new epoch and its ids go on above seen top, so no id a member saw names another message. A room with
-- no state at all starts above seen top too. A store that has the messages but lost only the commit of some (it
-- replicates after the confirmation that allowed it) commits them again, with the same epoch: nothing was lost.
-- Returns true when it healed.
local function heal(seen_epoch, seen_top, candidate)
  if seen_epoch == '' then return false end
  local e = redis.call('HGET', KEYS[1], 'e')
  if e then
    local s = tonumber(redis.call('HGET', KEYS[1], 's') or '0')
    if e ~= seen_epoch then return false end
    if s >= seen_top then
      if committed() < seen_top then redis.call('HSET', KEYS[1], 'k', seen_top) end
      return false
    end
  else
    redis.call('DEL', KEYS[2], KEYS[3])
  end
  redis.call('HSET', KEYS[1], 'e', candidate, 's', seen_top, 'k', seen_top)
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
  redis.call('ZADD', KEYS[7], now_ms(), KEYS[1])
end

-- A room that does not exist yet is only made while fewer than MAX_ROOMS rooms were active within their key
-- lifetime; else the script stops here, having written nothing.
local function admit_room()
  if redis.call('HGET', KEYS[1], 'e') then return end
  redis.call('ZREMRANGEBYSCORE', KEYS[7], '-inf', now_ms() - ROOM_TTL_MS)
  if redis.call('ZCARD', KEYS[7]) >= MAX_ROOMS and not redis.call('ZSCORE', KEYS[7], KEYS[1]) then
    error('TOO_MANY_ROOMS ' .. MAX_ROOMS)
  end
end

-- A user's hourly quota (chat.quota.*; '' = not metered): the counters live in wsshub:quota:USER:HOUR (an hour
-- each). check_quota only reads (so a refusal writes nothing); charge counts what was stored.
local function quota_key(user)
  return 'wsshub:quota:' .. user .. ':' .. math.floor(now_ms() / 3600000)
end

local function check_quota(user, bytes, rooms, max_bytes, max_rooms)
  local check_bytes = bytes > 0 and max_bytes ~= ''
  local check_rooms = rooms > 0 and max_rooms ~= ''
  if not check_bytes and not check_rooms then return end
  local used = redis.call('HMGET', quota_key(user), 'b', 'r')
  if check_bytes and tonumber(used[1] or '0') + bytes > tonumber(max_bytes) then error('QUOTA_EXCEEDED bytes') end
  if check_rooms and tonumber(used[2] or '0') + rooms > tonumber(max_rooms) then error('QUOTA_EXCEEDED rooms') end
end

-- metered: the caller passed a quota ('' = the server API, not metered)
local function charge(user, bytes, rooms, metered)
  if metered == '' or (bytes == 0 and rooms == 0) then return end
  local k = quota_key(user)
  if bytes > 0 then redis.call('HINCRBY', k, 'b', bytes) end
  if rooms > 0 then redis.call('HINCRBY', k, 'r', rooms) end
  redis.call('EXPIRE', k, 3600)
end

-- what a stored message counts against HISTORY_MAX_BYTES: its fields and the stream entry around them
local function cost(f, t, ts, c)
  return #f + #t + #ts + #(c or '') + 64
end
