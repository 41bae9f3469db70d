/** Key names shared by every Redis adapter (node-redis over TCP, Upstash over REST). */

/** Per-voter state: a hash {choice, version} that only the vote scripts write. */
export function ballotKey(prefix: string, poll: string, voter: string): string {
  return `${prefix}ballot:${poll}:${voter}`;
}

/** One client's vote count in one rate-limit window. */
export function rateKey(prefix: string, client: string, window: number): string {
  return `${prefix}rate:${client}:${window}`;
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
