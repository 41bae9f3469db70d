/** Lua scripts shared by every Redis adapter: each voter change is one script, so it is atomic everywhere. */

/**
 * Records the voter's choice and bumps the voter's version in one atomic step,
 * returning the new version. The key never expires: a version that restarted
 * at 1 would lose to the voter's older ballots already in PostgreSQL.
 */
export const RECORD_CHOICE_SCRIPT = `
local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'choice', ARGV[1])
return version
`.trim();

/**
 * The same record, plus the ballot appended to the stream in the same
 * script: the choice in Redis and the entry in the queue exist together or
 * not at all. KEYS: ballot hash, stream. ARGV: choice, poll, voter, castAt.
 */
export const CAST_BALLOT_SCRIPT = `
local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'choice', ARGV[1])
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
