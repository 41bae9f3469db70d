/**
 * The vote queue in shards: shard 0 is the queue `votes` (binding VOTES),
 * shard i > 0 is `votes-i` (binding VOTES_i). Shard 0 keeps the one queue's
 * old names, so going from 1 shard to N keeps the queue and whatever waits in it.
 */

/** The dead-letter queue's name, as in workers/consumer/wrangler.toml: its batches are the last stop. */
export const DEAD_LETTER_QUEUE = "votes-dead";

/** The consumer Worker's producer binding to the dead-letter queue. */
export const DEAD_LETTER_BINDING = "VOTES_DEAD";

/** Most shards VOTE_QUEUE_SHARDS may ask for (docs/capacity.md: what each queue takes). */
export const MAX_VOTE_QUEUE_SHARDS = 16;

/** The producer binding of a shard: VOTES, VOTES_1, VOTES_2, ... */
export function shardBinding(shard: number): string {
  return shard === 0 ? "VOTES" : `VOTES_${shard}`;
}

/** The queue of a shard: votes, votes-1, votes-2, ... */
export function shardQueueName(shard: number): string {
  return shard === 0 ? "votes" : `votes-${shard}`;
}

/** The shard a queue name belongs to, or undefined for any other queue (the dead letters). */
export function shardOfQueue(queue: string): number | undefined {
  if (queue === "votes") return 0;
  const match = /^votes-([1-9]\d*)$/.exec(queue);
  return match ? Number(match[1]) : undefined;
}

/**
 * The shard of a voter's ballots: 32-bit FNV-1a of the voter id, modulo the
 * shard count. It depends on nothing but the id, so every isolate sends one
 * voter's ballots to the same queue; ids are random UUIDs, so voters spread evenly.
 */
export function shardOfVoter(voter: string, shards: number): number {
  if (shards <= 1) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < voter.length; i++) {
    hash ^= voter.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % shards;
}
