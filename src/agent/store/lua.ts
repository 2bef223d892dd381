/**
 * The Lua scripts that make each store step atomic inside Redis. Every key of a namespace carries
 * the same hash tag (`unitsync:{NAME}:...`), so the scripts also run on a Redis Cluster node.
 * Each script checks the epoch first: a store that restarted empty or was flushed has no epoch (or
 * a new one), and nothing is appended to a graph this agent never saw.
 */

/** KEYS: epoch, version, own lease. ARGV: a fresh epoch, lease value, lease ms. */
export const JOIN = `
redis.call('SET', KEYS[1], ARGV[1], 'NX')
redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[3])
return {redis.call('GET', KEYS[1]), tonumber(redis.call('GET', KEYS[2]) or '0')}
`;

/**
 * KEYS: epoch, version, log, own lease [, lease of a member to expire]. ARGV: epoch, entry.
 * A member whose lease expired cannot append (it may hold a stale view: it must rejoin first); an
 * expiry is appended only while the expired member's lease is still absent.
 */
export const APPEND = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return redis.error_reply('UNITSYNC_RESET') end
if redis.call('EXISTS', KEYS[4]) == 0 then return redis.error_reply('UNITSYNC_LEASE') end
if KEYS[5] and redis.call('EXISTS', KEYS[5]) == 1 then return false end
local v = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[3], v .. '-1', 'e', ARGV[2])
return v
`;

/** KEYS: epoch, version. ARGV: epoch. The position of the last entry. */
export const HEAD = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return redis.error_reply('UNITSYNC_RESET') end
return tonumber(redis.call('GET', KEYS[2]) or '0')
`;

/** KEYS: epoch, own lease. ARGV: epoch, lease value, lease ms. 1: renewed; 0: had expired, taken again. */
export const RENEW = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return redis.error_reply('UNITSYNC_RESET') end
if redis.call('SET', KEYS[2], ARGV[2], 'XX', 'PX', ARGV[3]) then return 1 end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
return 0
`;

/** KEYS: leases. The 1-based indexes of the keys that do not exist. */
export const GONE = `
local gone = {}
for i, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 0 then table.insert(gone, i) end
end
return gone
`;
