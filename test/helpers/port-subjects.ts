import { randomBytes } from "node:crypto";
import { createBallotBox as createWorkersBallotBox } from "../../src/cloudflare/ballot-box.ts";
import { createChoiceRecorder } from "../../src/cloudflare/choice-recorder.ts";
import { createPollStore as createUpstashPollStore } from "../../src/cloudflare/poll-store.ts";
import { createRateLimiter as createUpstashRateLimiter } from "../../src/cloudflare/rate-limiter.ts";
import { createRedisClient as createUpstashClient } from "../../src/cloudflare/redis-client.ts";
import { createVoteStore as createUpstashVoteStore } from "../../src/cloudflare/vote-store.ts";
import { createJsonLogger } from "../../src/core/logger.ts";
import type { BallotBox, PollStore, RateLimiter, VotePublisher, VoteStore } from "../../src/core/ports.ts";
import { type Ballot, parseBallot } from "../../src/domain/ballots.ts";
import { createBallotBox } from "../../src/node/ballot-box.ts";
import { createPollStore } from "../../src/node/poll-store.ts";
import { createRateLimiter } from "../../src/node/rate-limiter.ts";
import { createVoteStore } from "../../src/node/vote-store.ts";
import { createPostgresPollArchive } from "../../src/postgres/poll-archive.ts";
import { createPostgresVoteArchive } from "../../src/postgres/vote-archive.ts";
import { streamNames, votersKey } from "../../src/redis/keys.ts";
import { startUpstashBridge } from "../../tools/upstash-bridge.ts";
import type { ArchiveSubject } from "../contract/ports/vote-archive.ts";
import { createTestDatabase, createTestRedis, REDIS_URL } from "./services.ts";

/**
 * The real adapters, each on a service of its own (a fresh database, a key
 * prefix of its own), as the port contracts (test/contract/ports) take them.
 */

/** How long voter state and poll copies live in the contracts' Redis: longer than any test. */
const TTL_SECONDS = 3_600;

/** Both archives on one fresh, migrated PostgreSQL database. */
export async function openPostgresArchive(): Promise<ArchiveSubject> {
  const db = await createTestDatabase();
  let refusals = 0;
  return {
    votes: createPostgresVoteArchive(db.sql),
    polls: createPostgresPollArchive(db.sql),
    async refuseVoter(voter) {
      await db.sql.unsafe(`ALTER TABLE votes ADD CONSTRAINT refused_${++refusals} CHECK (voter_id <> '${voter}')`);
    },
    close: () => db.drop(),
  };
}

/** The Redis side of one runtime: its four adapters on one key prefix, and what a contract reads underneath. */
export interface RedisAdapters {
  box: BallotBox;
  votes: VoteStore;
  polls: PollStore;
  limiter(options: { scope: string; limit: number; windowMs: number }): RateLimiter;
  /** Every ballot queued so far, oldest first. */
  queued(): Promise<Ballot[]>;
  forgetVoter(poll: string, voter: string): Promise<void>;
  holdInOlderForm(poll: string, voter: string, choices: readonly string[], version: number): Promise<void>;
  voterFields(poll: string): Promise<Record<string, string>>;
  close(): Promise<void>;
}

/** Node's adapters (src/node) on the shared Redis over TCP; the queue is the Redis Stream. */
export async function openNodeRedis(): Promise<RedisAdapters> {
  const redis = await createTestRedis();
  const { client, prefix } = redis;
  const { stream } = streamNames(prefix);
  return {
    box: createBallotBox(client, prefix, TTL_SECONDS),
    votes: createVoteStore(client, prefix),
    polls: createPollStore(client, prefix, TTL_SECONDS),
    limiter: (options) => createRateLimiter(client, prefix, options),
    queued: async () =>
      ((await client.xRange(stream, "-", "+")) ?? []).map((entry) => {
        // The stream carries each ballot as its queue message (ballotMessage).
        const parsed = parseBallot(entry?.message.ballot ?? "null");
        if (!parsed.ok) throw new Error(`a stream entry that is no ballot: ${parsed.problem}`);
        return parsed.ballot;
      }),
    forgetVoter: async (poll, voter) => void (await client.hDel(votersKey(prefix, poll), [voter, `${voter}:v`])),
    holdInOlderForm: async (poll, voter, choices, version) =>
      void (await client.hSet(votersKey(prefix, poll), {
        [voter]: choices.join(","),
        [`${voter}:v`]: String(version),
      })),
    voterFields: (poll) => client.hGetAll(votersKey(prefix, poll)),
    close: () => redis.cleanup(),
  };
}

/**
 * The Workers' adapters (src/cloudflare) on the shared Redis through the
 * local Upstash bridge (tools/upstash-bridge.ts), under Node. A Cloudflare
 * Queue can't run here: the ballot box publishes to a list instead, so its
 * Upstash half (the choice recorder) is what is tested against Redis.
 */
export async function openUpstash(): Promise<RedisAdapters> {
  const redis = await createTestRedis();
  const { prefix } = redis;
  const token = `test-token-${randomBytes(8).toString("hex")}`;
  const bridge = await startUpstashBridge({ redisUrl: REDIS_URL, token, port: 0, log: () => {} });
  const upstash = createUpstashClient(bridge.url, token);
  const published: Ballot[] = [];
  const queue: VotePublisher = {
    async publish(ballot) {
      published.push({ ...ballot });
    },
  };
  const logger = createJsonLogger({}, "error", () => {});
  return {
    box: createWorkersBallotBox(createChoiceRecorder(upstash, prefix, TTL_SECONDS), queue, logger),
    votes: createUpstashVoteStore(upstash, prefix),
    polls: createUpstashPollStore(upstash, prefix, TTL_SECONDS),
    limiter: (options) => createUpstashRateLimiter(upstash, prefix, options),
    queued: async () => published.map((ballot) => ({ ...ballot })),
    forgetVoter: async (poll, voter) => void (await upstash.hdel(votersKey(prefix, poll), voter, `${voter}:v`)),
    holdInOlderForm: async (poll, voter, choices, version) =>
      void (await upstash.hset(votersKey(prefix, poll), {
        [voter]: choices.join(","),
        [`${voter}:v`]: String(version),
      })),
    voterFields: async (poll) => {
      // This client doesn't deserialize: HGETALL answers the flat [field, value, ...] list.
      const flat = ((await upstash.hgetall(votersKey(prefix, poll))) ?? []) as unknown as string[];
      return Object.fromEntries(Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i]!, flat[2 * i + 1]!]));
    },
    async close() {
      await bridge.close();
      await redis.cleanup();
    },
  };
}
