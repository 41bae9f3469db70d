/** Lua scripts shared by every Redis adapter: each voter change is one script, so it is atomic everywhere. */

/**
 * The voter's next version: the Redis server's clock in microseconds, or one
 * more than the last version if that is larger. Versions only grow, even once
 * the voter's hash has expired (or a Redis that keeps nothing on disk lost
 * it): a new version must still beat the voter's older row in PostgreSQL,
 * which keeps only the highest; two scripts never run in the same
 * microsecond. 16 digits: exact as a Lua number and a JavaScript number
 * (below 2^53 until the year 2255), so it is written with %.0f, never
 * through cjson or Lua's default 14-digit formatting.
 */
const NEXT_VERSION = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local version = math.max(now, (tonumber(redis.call('HGET', KEYS[1], 'version')) or 0) + 1)
local versionText = string.format('%.0f', version)
`.trim();

/**
 * The vote limits, in the same script as the vote (one round trip, one
 * Upstash request): counts the vote in the client address's window and in
 * the voter's, each only when its limit is on (above 0), and refuses when
 * either is over, returning minus the milliseconds left in the window. A
 * refused vote writes nothing else.
 */
function withinLimits(
  keys: { address: number; voter: number },
  args: { address: number; voter: number; window: number },
) {
  return `
local function over(key, limit)
  if limit <= 0 then return false end
  local count = redis.call('INCR', key)
  if count == 1 then redis.call('PEXPIRE', key, ARGV[${args.window}]) end
  return count > limit
end
if over(KEYS[${keys.address}], tonumber(ARGV[${args.address}])) or over(KEYS[${keys.voter}], tonumber(ARGV[${args.voter}])) then
  return -math.max(redis.call('PTTL', KEYS[${keys.address}]), redis.call('PTTL', KEYS[${keys.voter}]), 1)
end
`.trim();
}

/**
 * Records the voter's choice with the next version in one atomic step, and
 * keeps the voter's hash for the time to live; returns the new version (or,
 * over a limit, minus the milliseconds to wait). The Workers path: the queue
 * send follows.
 * KEYS: ballot hash, address window, voter window.
 * ARGV: choice, time to live in seconds, votes per address, votes per voter, window in ms.
 */
export const RECORD_CHOICE_SCRIPT = `
${withinLimits({ address: 2, voter: 3 }, { address: 3, voter: 4, window: 5 })}
${NEXT_VERSION}
redis.call('HSET', KEYS[1], 'choice', ARGV[1], 'version', versionText)
redis.call('EXPIRE', KEYS[1], ARGV[2])
return version
`.trim();

/**
 * The same record, plus the ballot appended to the stream in the same
 * script: the choice in Redis and the entry in the queue exist together or
 * not at all (a full Redis refuses the first write, so then neither). The
 * Node path.
 * KEYS: ballot hash, stream, address window, voter window.
 * ARGV: choice, poll, voter, castAt, time to live in seconds, votes per address, votes per voter, window in ms.
 */
export const CAST_BALLOT_SCRIPT = `
${withinLimits({ address: 3, voter: 4 }, { address: 6, voter: 7, window: 8 })}
${NEXT_VERSION}
redis.call('HSET', KEYS[1], 'choice', ARGV[1], 'version', versionText)
redis.call('EXPIRE', KEYS[1], ARGV[5])
local ballot = '{"poll":' .. cjson.encode(ARGV[2]) .. ',"voter":' .. cjson.encode(ARGV[3]) ..
  ',"choice":' .. cjson.encode(ARGV[1]) .. ',"version":' .. versionText .. ',"castAt":' .. cjson.encode(ARGV[4]) .. '}'
redis.call('XADD', KEYS[2], '*', 'ballot', ballot)
return version
`.trim();

/** A fixed window (poll creation): counts a hit and returns {count, milliseconds left in the window}. */
export const RATE_WINDOW_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('PTTL', KEYS[1])}
`.trim();

export const RATE_WINDOW_MS = 60_000;

/**
 * The record script, unchanged, run inside a function so the reply also
 * carries the state it replaced, read in the same atomic step (a refusal by
 * the limits returns from the function before anything changed). The
 * Workers path: if the queue then refuses the ballot, UNDO_CHOICE_SCRIPT
 * puts the previous state back.
 * KEYS and ARGV: as RECORD_CHOICE_SCRIPT's.
 */
export const RECORD_AND_REMEMBER_SCRIPT = `local previous = redis.call('HMGET', KEYS[1], 'choice', 'version')
local function record()
${RECORD_CHOICE_SCRIPT}
end
return {record(), previous[1], previous[2]}`;

/**
 * Compare-and-restore: only while the voter's version is still the one just
 * written (ARGV[1]) does it put back the previous choice and version
 * (ARGV[2], ARGV[3]), or delete the state when there was none (ARGV[2] empty).
 * KEYS: ballot hash.
 */
export const UNDO_CHOICE_SCRIPT = `if redis.call('HGET', KEYS[1], 'version') ~= ARGV[1] then return 0 end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('HSET', KEYS[1], 'choice', ARGV[2], 'version', ARGV[3])
end
return 1`;
