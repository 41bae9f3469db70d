import { hostname } from "node:os";
import { createApp } from "../../src/app.ts";
import { createPostgresArchive } from "../../src/adapters/postgres.ts";
import { createRedisVoteStore } from "../../src/adapters/redis.ts";
import {
  createStreamConsumer,
  createStreamBallotBox,
  deadLettersFrom,
  streamNames,
} from "../../src/adapters/redis-stream.ts";
import { parseNodeConfig } from "../../src/config.ts";
import { processVotes } from "../../src/consumer.ts";
import { createJsonLogger } from "../../src/logger.ts";
import { createCachedTallyReader } from "../../src/results-cache.ts";
import { describeHttpContract } from "../contract/http-contract.ts";
import { createTestDatabase, createTestRedis, scanKeys } from "../helpers/services.ts";
import { sumOfVersions } from "../contract/http-contract.ts";

describeHttpContract("Node: createApp with Redis Streams and PostgreSQL", async () => {
  const [db, redis] = await Promise.all([createTestDatabase(), createTestRedis()]);
  const config = parseNodeConfig({ COOKIE_SECRET: "contract-test-secret-0123456789" });
  const names = streamNames(redis.prefix);
  const archive = createPostgresArchive(db.sql);
  const logger = createJsonLogger({}, "error", () => {});
  const app = createApp({
    config,
    store: createRedisVoteStore(redis.client, redis.prefix),
    ballotBox: createStreamBallotBox(redis.client, redis.prefix),
    readTallies: createCachedTallyReader(archive.readTallies, 1_000),
    logger,
    hostname: hostname(),
    readiness: { redis: () => redis.client.ping().then(() => {}), postgres: archive.ping },
  });
  const reader = redis.client.duplicate();
  await reader.connect();
  const stop = new AbortController();
  const running = createStreamConsumer({
    client: reader,
    names,
    consumer: "contract",
    batchSize: 100,
    claimIdleMs: 60_000,
    blockMs: 50,
    logger,
    handle: async (entries) => deadLettersFrom(entries, await processVotes(entries.map((e) => e.body), archive, config.polls)),
  }).run(stop.signal);
  return {
    fetch: async (request) => app.fetch(request),
    acceptedVotes: () => sumOfVersions((pattern) => scanKeys(redis.client, pattern), (key) => redis.client.hGet(key, "version"), redis.prefix),
    async close() {
      stop.abort();
      await running;
      await reader.quit();
      await Promise.all([db.drop(), redis.cleanup()]);
    },
  };
});
