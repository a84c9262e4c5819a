-- The matches whose next check is due, each taken for a short lease. KEYS: 1 due sorted set.
-- ARGV: 1 now (ms, the caller's clock, as the due times are), 2 at most, 3 lease ms.
-- A taken match is moved to now + lease, so the other nodes do not check it at the same time; the check's own
-- write sets its real next check, and a node that dies before writing leaves it due again when the lease ends.
local now = tonumber(ARGV[1])
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), id)
end
return ids
