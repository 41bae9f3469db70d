import type postgres from "postgres";
import { createJsonLogger } from "../../src/core/logger.ts";
import { buildConsumer, buildWeb, RESULTS_TTL_MS } from "../../src/node/compose.ts";
import { parseNodeConfig } from "../../src/node/config.ts";
import { votersKey } from "../../src/redis/keys.ts";
import { type HttpTarget, sumOfVersions } from "../contract/http-contract.ts";
import { createTestDatabase, createTestRedis, scanKeys } from "./services.ts";

/**
 * The Node web tier on a database and key prefix of its own, a consumer
 * draining the stream into PostgreSQL, as the entries build them: the target
 * of the HTTP, polls and hostile-input contracts. `settings` add to or
 * override the configuration.
 */
export async function openNodeTarget(
  settings: Record<string, string> = {},
): Promise<HttpTarget & { database<T>(work: (sql: postgres.Sql) => Promise<T>): Promise<T> }> {
  const [db, redis] = await Promise.all([createTestDatabase(), createTestRedis()]);
  const config = parseNodeConfig({
    COOKIE_SECRET: "contract-test-secret-0123456789",
    REDIS_PREFIX: redis.prefix,
    CONSUMER_NAME: "contract",
    CONSUMER_BATCH_SIZE: "100",
    CONSUMER_CLAIM_IDLE_MS: "60000",
    ...settings,
  });
  const logger = createJsonLogger({}, "error", () => {});
  let skewMs = 0;
  const now = () => Date.now() + skewMs;
  const web = buildWeb(config, { redis: redis.client, sql: db.sql }, { logger, hostname: "contract", now });
  const reader = redis.client.duplicate();
  await reader.connect();
  const stop = new AbortController();
  const consumer = buildConsumer(config, { reader, redis: redis.client, sql: db.sql }, { logger, blockMs: 50 });
  const running = consumer.run(stop.signal);
  return {
    fetch: async (request) => web.fetch(request),
    database: (work) => work(db.sql),
    acceptedVotes: () =>
      sumOfVersions(
        (pattern) => scanKeys(redis.client, pattern),
        (key) => redis.client.hGetAll(key),
        redis.prefix,
      ),
    async expireCachedResults() {
      skewMs += RESULTS_TTL_MS;
    },
    async forgetVoters() {
      const keys = await scanKeys(redis.client, votersKey(redis.prefix, "*"));
      if (keys.length > 0) await redis.client.del(keys);
    },
    async close() {
      stop.abort();
      await running;
      await reader.quit();
      await Promise.all([db.drop(), redis.cleanup()]);
    },
  };
}
