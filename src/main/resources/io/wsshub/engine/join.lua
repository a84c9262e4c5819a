-- ARGV: 1 channel, 2 epoch if new, 3 entry, 4 user, 5 presence ttl ms, 6 since (-1: plain join), 7 client's epoch,
-- 8 newest messages for a plain welcome, 9 key ttl s, 10 resume budget (a resume that missed more is not
-- recovered and reads no range: one handshake never reads the whole stream), 11 and 12 the room as the caller's
-- node saw it (epoch or '', newest id: see heal), 13 the user's hourly quota of new rooms ('': not metered).
-- Returns {epoch, newest id, presence version, recovered (-1 plain, 0, 1), members (empty beyond LIST_MAX),
-- history entries, member count}.
local now = now_ms()
local room_charge = redis.call('HGET', KEYS[1], 'e') and 0 or 1
check_quota(ARGV[4], 0, room_charge, '', ARGV[13])
admit_room()
heal(ARGV[11], tonumber(ARGV[12]), ARGV[2])
local epoch = ensure_epoch(ARGV[2])
purge(ARGV[1], epoch, now)
add_entry(ARGV[1], epoch, ARGV[3], ARGV[4])
redis.call('ZADD', KEYS[5], now + tonumber(ARGV[5]), ARGV[3])
local top = committed() -- what waits for replicas is not shown
local pv = tonumber(redis.call('HGET', KEYS[1], 'pv') or '0')
local since = tonumber(ARGV[6])
local recovered = -1
local history = nil
if since >= 0 then
  recovered = 0
  if ARGV[7] == epoch and since <= top and top - since <= tonumber(ARGV[10]) then
    if since == top then
      history = {}
      recovered = 1
    else
      local after = redis.call('XRANGE', KEYS[2], string.format('%d-0', since + 1), string.format('%d-0', top),
        'COUNT', top - since)
      if #after > 0 and after[1][1] == string.format('%d-0', since + 1) then
        history = after
        recovered = 1
      end
    end
  end
end
if not history then
  local newest = redis.call('XREVRANGE', KEYS[2], string.format('%d-0', top), '-', 'COUNT', tonumber(ARGV[8]))
  history = {}
  for i = #newest, 1, -1 do history[#history + 1] = newest[i] end
end
charge(ARGV[4], 0, room_charge, ARGV[13])
touch(tonumber(ARGV[9]))
local count, listed = members()
return {epoch, top, pv, recovered, listed, history, count}
