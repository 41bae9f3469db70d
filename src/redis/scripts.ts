/** Lua scripts shared by every Redis adapter: each voter change is one script, so it is atomic everywhere. */

/**
 * The voter's next version: the Redis server's clock in milliseconds, or one
 * more than the last version if that is larger. Versions only grow, even once
 * the voter's hash has expired (or a Redis that keeps nothing on disk lost
 * it): a new version must still beat the voter's older row in PostgreSQL,
 * which keeps only the highest. 13 digits: exact in Lua, cjson and JSON.
 */
const NEXT_VERSION = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local version = math.max(now, (tonumber(redis.call('HGET', KEYS[1], 'version')) or 0) + 1)
`.trim();

/**
 * Records the voter's choice with the next version in one atomic step, and
 * keeps the voter's hash for the time to live; returns the new version.
 * KEYS: ballot hash. ARGV: choice, time to live in seconds.
 */
export const RECORD_CHOICE_SCRIPT = `
${NEXT_VERSION}
redis.call('HSET', KEYS[1], 'choice', ARGV[1], 'version', version)
redis.call('EXPIRE', KEYS[1], ARGV[2])
return version
`.trim();

/**
 * The same record, plus the ballot appended to the stream in the same
 * script: the choice in Redis and the entry in the queue exist together or
 * not at all (a full Redis refuses the first write, so then neither).
 * KEYS: ballot hash, stream. ARGV: choice, poll, voter, castAt, time to live in seconds.
 */
export const CAST_BALLOT_SCRIPT = `
${NEXT_VERSION}
redis.call('HSET', KEYS[1], 'choice', ARGV[1], 'version', version)
redis.call('EXPIRE', KEYS[1], ARGV[5])
local ballot = cjson.encode({poll = ARGV[2], voter = ARGV[3], choice = ARGV[1], version = version, castAt = ARGV[4]})
redis.call('XADD', KEYS[2], '*', 'ballot', ballot)
return version
`.trim();

/** Fixed one-minute window: counts a hit and returns {count, milliseconds left in the window}. */
export const RATE_WINDOW_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('PTTL', KEYS[1])}
`.trim();

export const RATE_WINDOW_MS = 60_000;
