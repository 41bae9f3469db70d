/** Key names shared by every Redis adapter (node-redis over TCP, Upstash over REST). */

/** Per-voter state: a hash {choice, version} that only the vote scripts write. */
export function ballotKey(prefix: string, poll: string, voter: string): string {
  return `${prefix}ballot:${poll}:${voter}`;
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

/** A poll as the vote path reads it: a hash {question, options (JSON), status}. */
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
