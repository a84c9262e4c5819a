-- KEYS: 1 the lease. ARGV: 1 this node, 2 ttl ms. Takes a free lease or renews our own; 1 when we hold it.
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
