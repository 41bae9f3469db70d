/** Lua scripts shared by every Redis adapter: each voter change is one script, so it is atomic everywhere. */

/**
 * What a vote script answers, first element of its reply: the vote was
 * recorded (then the second element is the version), or why nothing was.
 */
export const CAST = {
  recorded: 0,
  /** Over a vote limit; the second element is the milliseconds left in the window. */
  limited: 1,
  /** Cast under an older revision of the poll than the store's (an edit or a reset came since). */
  stale: 2,
  /** The store's clock is before the poll's opensAt. */
  notOpen: 3,
  /** The store's clock is at or past the poll's closesAt. */
  closed: 4,
  /** Another voter already votes from this client address (protection "address"). */
  addressTaken: 5,
  /** This challenge was used already (protection "challenge"). */
  replayed: 6,
} as const;

/**
 * The keys and arguments every vote script takes, in order (node-redis and
 * Upstash adapters build them the same way):
 * KEYS: 1 the poll's voters hash, 2 the poll's hash, 3 the address's vote
 * window, 4 the voter's vote window, 5 the poll's addresses hash, 6 the
 * challenge's key.
 * ARGV: 1 voter, 2 the choice ("a", or a set "a,c"), 3 time to live in
 * seconds, 4 votes per address, 5 votes per voter, 6 window in ms, 7 the
 * revision the vote was cast under ("" not checked: the default poll), 8
 * opensAt and 9 closesAt in microseconds ("0": none), 10 the client
 * address's key when one voter per address is enforced (else ""), 11 how
 * long a used challenge is remembered in ms ("0": no challenge).
 */
const VOTE_CHECKS_AND_RECORD = `
local voters, pollHash = KEYS[1], KEYS[2]
local voter = ARGV[1]
if ARGV[7] ~= '' and (redis.call('HGET', pollHash, 'revision') or '0') ~= ARGV[7] then
  return {${CAST.stale}, 0}
end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local opens, closes = tonumber(ARGV[8]), tonumber(ARGV[9])
if opens > 0 and now < opens then return {${CAST.notOpen}, 0} end
if closes > 0 and now >= closes then return {${CAST.closed}, 0} end
local address = ARGV[10]
local holder = false
if address ~= '' then
  holder = redis.call('HGET', KEYS[5], address)
  if holder and holder ~= voter then return {${CAST.addressTaken}, 0} end
end
local function over(key, limit)
  if limit <= 0 then return false end
  local count = redis.call('INCR', key)
  if count == 1 then redis.call('PEXPIRE', key, ARGV[6]) end
  return count > limit
end
if over(KEYS[3], tonumber(ARGV[4])) or over(KEYS[4], tonumber(ARGV[5])) then
  return {${CAST.limited}, math.max(redis.call('PTTL', KEYS[3]), redis.call('PTTL', KEYS[4]), 1)}
end
if ARGV[11] ~= '0' and not redis.call('SET', KEYS[6], '1', 'NX', 'PX', ARGV[11]) then
  return {${CAST.replayed}, 0}
end
if address ~= '' and not holder then
  redis.call('HSET', KEYS[5], address, voter)
  redis.call('EXPIRE', KEYS[5], ARGV[3])
end
local held = redis.call('HGET', voters, voter)
local last = 0
if held then
  local space = string.find(held, ' ', 1, true)
  if space then
    last = tonumber(string.sub(held, 1, space - 1)) or 0
  else
    last = tonumber(redis.call('HGET', voters, voter .. ':v')) or 0
    redis.call('HDEL', voters, voter .. ':v')
  end
end
local version = math.max(now, last + 1)
local versionText = string.format('%.0f', version)
redis.call('HSET', voters, voter, versionText .. ' ' .. ARGV[2])
redis.call('EXPIRE', voters, ARGV[3])
`.trim();

/*
 * A voter's state is one field of the poll's voters hash, the voter's id,
 * holding `<version> <choices>` ("1764957600123456 a,c"; read it with
 * heldChoices and heldVersion in vote-args.ts). Until December 2026 it was
 * two fields, `<voter>` (the choices) and `<voter>:v` (the version), which
 * took 80% more memory and a longer HSET. The scripts still read that form,
 * and the voter's next vote rewrites it as one field, so a store written by
 * the older code needs nothing done to it. Older code still running during a
 * rollout reads a field of today's form as a choice it doesn't know (its
 * ballot shows nothing selected) and finds no version field, so it takes the
 * clock's, which is later than the voter's last.
 *
 * Versions: the Redis server's clock in microseconds, or one more than the
 * voter's last if that is larger. They only grow, even once the voter's
 * state has expired (or a Redis that keeps nothing on disk lost it): a new
 * version must still beat the voter's older row in PostgreSQL, which keeps
 * only the highest; two scripts never run in the same microsecond. 16
 * digits: exact as a Lua number and a JavaScript number (below 2^53 until
 * the year 2255), so it is written with %.0f, never through cjson. The same
 * clock decides opensAt and closesAt: a ballot counts if and only if the
 * store took it before closesAt (the archive compares the version with it).
 *
 * A refusal writes nothing, but for the limits' counts. Everything a poll
 * has in the store is in its three hashes (its copy, its voters, its
 * addresses), so deleting or resetting a poll is three DELs.
 */

/**
 * Records the voter's choice with the next version in one atomic step: the
 * Workers path, where the queue send follows. Replies {code, version or ms}.
 */
export const RECORD_CHOICE_SCRIPT = `
${VOTE_CHECKS_AND_RECORD}
return {${CAST.recorded}, version}
`.trim();

/**
 * The same record, plus the ballot appended to the stream in the same
 * script: the choice in Redis and the entry in the queue exist together or
 * not at all (a full Redis refuses the first write, so then neither). The
 * Node path. KEYS: as above, then 7 the stream. ARGV: as above, then 12 the
 * ballot's JSON up to its version (`{"poll":...,"voter":...,"choice":...`)
 * and 13 what follows it (`,"castAt":...}`), built by the caller.
 */
export const CAST_BALLOT_SCRIPT = `
${VOTE_CHECKS_AND_RECORD}
redis.call('XADD', KEYS[7], '*', 'ballot', ARGV[12] .. ',"version":' .. versionText .. ARGV[13])
return {${CAST.recorded}, version}
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
 * carries the state it replaced, read in the same atomic step (a refusal
 * returns from the function before anything changed): {code, version or ms,
 * the voter's previous field, the previous version field of the older
 * two-field form (nil in today's), whether the address was newly taken}.
 * The Workers path: if the queue then refuses the ballot, UNDO_CHOICE_SCRIPT
 * puts the previous state back. KEYS and ARGV: as RECORD_CHOICE_SCRIPT's.
 */
export const RECORD_AND_REMEMBER_SCRIPT = `local previous = redis.call('HMGET', KEYS[1], ARGV[1], ARGV[1] .. ':v')
local addressWasFree = ARGV[10] ~= '' and redis.call('HEXISTS', KEYS[5], ARGV[10]) == 0
local function record()
${RECORD_CHOICE_SCRIPT}
end
local reply = record()
return {reply[1], reply[2], previous[1], previous[2], addressWasFree and 1 or 0}`;

/**
 * Compare-and-restore: only while the voter's version is still the one just
 * written (ARGV[2]) does it put back the previous field (ARGV[3]) and, from a
 * store of the older two-field form, the previous version field (ARGV[4]),
 * or remove the voter when there was none (ARGV[3] empty), and free the
 * address it took (ARGV[5], when not empty).
 * KEYS: the poll's voters hash, its addresses hash. ARGV: 1 voter.
 */
export const UNDO_CHOICE_SCRIPT = `local held = redis.call('HGET', KEYS[1], ARGV[1])
if not held or string.sub(held, 1, #ARGV[2] + 1) ~= ARGV[2] .. ' ' then return 0 end
if ARGV[3] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
  if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], ARGV[1] .. ':v', ARGV[4]) end
end
if ARGV[5] ~= '' and redis.call('HGET', KEYS[2], ARGV[5]) == ARGV[1] then redis.call('HDEL', KEYS[2], ARGV[5]) end
return 1`;

/**
 * Writes a poll's copy (its hash: ARGV field, value, ...) and keeps it ARGV[1]
 * seconds, but only if no vote is in its store: for an edit before the first
 * vote. Replies 1, or 0 when someone voted (the poll's voters hash exists).
 * KEYS: the poll's hash, its voters hash. ARGV: 1 seconds, then field, value pairs.
 */
export const WRITE_IF_UNVOTED_SCRIPT = `if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1`;

/**
 * Writes a poll's copy and forgets its voters and addresses, in one step: a
 * reset (the copy carries the new revision, so votes cast under the old one
 * are refused as stale). KEYS: the poll's hash, voters, addresses. ARGV: as above.
 */
export const WRITE_AND_FORGET_VOTERS_SCRIPT = `redis.call('DEL', KEYS[2], KEYS[3])
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1`;
