-- KEYS: 1 the revoked login's key. ARGV: 1 token hash, 2 ttl s, 3 channel. Every node refuses it from now on.
redis.call('SET', KEYS[1], '1', 'EX', ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[1])
return 1
