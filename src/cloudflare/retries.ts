/**
 * How the consumer Worker spaces its tries of what the database failed:
 * no Workers types here, so the policy can be read and tested anywhere.
 */

/**
 * Deliveries of a batch the database failed that are retried in place
 * (retryDelaySeconds apart) before its ballots are handed back to the queue.
 * Each retry counts toward the queue's max_retries, so this stays well below
 * it (workers/consumer/wrangler.toml): a database outage never dead-letters a ballot.
 */
export const FAST_RETRIES = 4;

/**
 * Longest wait between two tries of a message that keeps failing here, and
 * so the longest a ballot waits once the database is back: the counts are
 * whole within about this after an outage of any length.
 */
export const MAX_RETRY_DELAY_SECONDS = 30;

/**
 * The wait before the next try of a message on its `attempts`-th delivery:
 * doubling from 2 s, capped, with jitter (half of it at random) so that the
 * batches failed together by an outage don't all come back at one moment.
 */
export function retryDelaySeconds(attempts: number, random: () => number = Math.random): number {
  return withJitter(Math.min(MAX_RETRY_DELAY_SECONDS, 2 ** Math.max(1, attempts)), random);
}

/** Between half of `seconds` and all of it, at random; whole seconds, at least 1. */
export function withJitter(seconds: number, random: () => number = Math.random): number {
  return Math.max(1, Math.round(seconds / 2 + (random() * seconds) / 2));
}
