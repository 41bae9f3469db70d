/** Key names shared by every Redis adapter (node-redis over TCP, Upstash over REST). */

/**
 * A poll's voters: a hash with each voter's current choice (field: the voter
 * id; value "a", or a set "a,c") and version (field: `<voter>:v`), written
 * only by the vote scripts. One key per poll, so a reset or a deletion is one DEL.
 */
export function votersKey(prefix: string, poll: string): string {
  return `${prefix}voters:${poll}`;
}

/** A poll's client addresses and the one voter each votes as (protection "address"). */
export function addressesKey(prefix: string, poll: string): string {
  return `${prefix}addresses:${poll}`;
}

/** A solved challenge of a poll, remembered until it expires so it is used once (protection "challenge"). */
export function challengeKey(prefix: string, poll: string, challenge: string): string {
  return `${prefix}challenge:${poll}:${challenge}`;
}

/** One client's count in one window of a rate limit (`scope`: votes, polls). */
export function rateKey(prefix: string, scope: string, client: string, window: number): string {
  return `${prefix}rate:${scope}:${client}:${window}`;
}

/** The Redis Stream that queues ballots on Node, its dead letters and its consumer group. */
export interface StreamNames {
  stream: string;
  deadLetters: string;
  group: string;
}

export function streamNames(prefix: string): StreamNames {
  return { stream: `${prefix}votes`, deadLetters: `${prefix}votes:dead`, group: "archivers" };
}

/** A poll as the vote path reads it: a hash (src/redis/poll-fields.ts). */
export function pollHashKey(prefix: string, poll: string): string {
  return `${prefix}poll:${poll}`;
}

/** The vote limits' windows: one per client address (IPv6 by /64) and one per voter. */
export function voteLimitKeys(prefix: string, address: string, voter: string, windowMs: number) {
  const window = Math.floor(Date.now() / windowMs);
  return {
    address: rateKey(prefix, "votes-address", address, window),
    voter: rateKey(prefix, "votes-voter", voter, window),
  };
}

/** The channel on which the Node consumer names the polls whose counts a batch just changed. */
export function tallyNoticesChannel(prefix: string): string {
  return `${prefix}tallies:changed`;
}
