import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { withHyperdrive } from "../../src/cloudflare/database.ts";
import { createRedisClient } from "../../src/cloudflare/redis-client.ts";
import { cacheKey, leaseKey } from "../../src/cloudflare/tally-cache.ts";
import { votersKey } from "../../src/redis/keys.ts";
import { heldVersion } from "../../src/redis/vote-args.ts";
import consumer from "../../workers/consumer/index.ts";
import { ORIGIN, sumOfVersions } from "../contract/http-contract.ts";
import { waitFor } from "../helpers/wait.ts";

export const redis = createRedisClient(env.UPSTASH_REDIS_REST_URL, env.UPSTASH_REDIS_REST_TOKEN);
export const prefix = (env as unknown as { REDIS_PREFIX: string }).REDIS_PREFIX;

export async function keysMatching(pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, { match: pattern, count: 500 });
    found.push(...keys);
    cursor = String(next);
  } while (cursor !== "0");
  return found;
}

/** A hash's fields; this client doesn't deserialize, so HGETALL answers the flat [field, value, ...] list. */
export async function hashFields(key: string): Promise<Record<string, string>> {
  const flat = ((await redis.hgetall(key)) ?? []) as unknown as string[];
  return Object.fromEntries(Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i]!, flat[2 * i + 1]!]));
}

/** Votes Redis accepted: the sum of every voter's version under the test prefix. */
export function acceptedVotes(): Promise<bigint> {
  return sumOfVersions(keysMatching, (key) => hashFields(key), prefix);
}

export function database<T>(work: Parameters<typeof withHyperdrive<T>>[1]): Promise<T> {
  return withHyperdrive(env.HYPERDRIVE, work);
}

/** Empties the database tables, the test's Redis keys and the edge-cached results. */
export async function resetState(): Promise<void> {
  await database((sql) => sql`TRUNCATE votes, tallies, participants`);
  const keys = await keysMatching(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await caches.default.delete(cacheKey(ORIGIN, "default"));
  await caches.default.delete(leaseKey(ORIGIN, "default"));
}

/** The exact sum of every voter's version in Redis (versions are 16-digit microseconds: sums pass 2^53). */
async function acceptedVersions(): Promise<{ voters: number; versions: bigint }> {
  // Each poll's voters hash holds a field per voter: `<version> <choices>` (src/redis/scripts.ts).
  const keys = await keysMatching(votersKey(prefix, "*"));
  let voters = 0;
  let versions = 0n;
  for (const key of keys) {
    for (const held of Object.values(await hashFields(key))) {
      voters++;
      versions += BigInt(heldVersion(held) ?? 0);
    }
  }
  return { voters, versions };
}

/**
 * Waits until every vote Redis accepted has reached PostgreSQL: as many
 * voters in `votes` as ballot hashes, with the same versions.
 */
export async function settled(timeoutMs = 30_000): Promise<void> {
  let seen = "";
  await waitFor(
    async () => {
      const [row] = await database(
        (sql) => sql<{ voters: string; versions: string }[]>`
        SELECT count(*) AS voters, coalesce(sum(version), 0)::text AS versions FROM votes`,
      );
      const accepted = await acceptedVersions();
      seen = `${row?.voters} voters in PostgreSQL, ${accepted.voters} in Redis`;
      return Number(row?.voters) === accepted.voters && BigInt(row?.versions ?? 0) === accepted.versions;
    },
    () => `the queue to drain (${seen})`,
    timeoutMs,
    100,
  );
}

/** Deletes every voter's state, as an expiry or a Redis without persistence would. */
export async function forgetVoters(): Promise<void> {
  const keys = await keysMatching(votersKey(prefix, "*"));
  if (keys.length > 0) await redis.del(...keys);
}

/** Hands `bodies` to the consumer Worker as one batch of `queue`, each message at `attempts`; answers what it did. */
export async function deliverBatch(queue: string, bodies: unknown[], workerEnv: Env = env, attempts = 1) {
  const batch = createMessageBatch(
    queue,
    bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await consumer.queue(batch, workerEnv, ctx);
  return await getQueueResult(batch, ctx);
}

/** The counts in PostgreSQL of every option with votes. */
export function tallies(): Promise<Record<string, number>> {
  return database(async (sql) =>
    Object.fromEntries(
      (await sql<{ option_id: string; votes: string }[]>`SELECT option_id, votes FROM tallies WHERE votes > 0`).map(
        (row) => [row.option_id, Number(row.votes)],
      ),
    ),
  );
}
