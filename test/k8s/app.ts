import { createJsonLogger } from "../../src/core/logger.ts";
import { buildWeb } from "../../src/node/compose.ts";
import { parseNodeConfig } from "../../src/node/config.ts";
import { migrate } from "../../src/node/migrations.ts";
import { latestMigration } from "../../src/node/schema.ts";
import { createPostgresPollArchive } from "../../src/postgres/poll-archive.ts";
import { createPostgresVoteArchive } from "../../src/postgres/vote-archive.ts";
import { createTestDatabase, createTestRedis } from "../helpers/services.ts";

/**
 * Everything test/k8s imports from src/ lives in this one file, so a rename
 * there is a one-file fix here.
 */

export { createPostgresPollArchive as pollArchive, createPostgresVoteArchive as voteArchive, latestMigration, migrate };

/** The Node processes' settings with nothing set: the code's defaults. */
export const DEFAULTS = parseNodeConfig({}, "k8s", "consumer");

export interface AppRoute {
  method: string;
  path: string;
}

/** The routes of the web process, as `buildWeb` (what the container runs) composes them. */
export async function webRoutes(): Promise<AppRoute[]> {
  const [db, redis] = await Promise.all([createTestDatabase(), createTestRedis()]);
  try {
    const config = parseNodeConfig({ COOKIE_SECRET: "k8s-routes-test-secret-0123456789", REDIS_PREFIX: redis.prefix });
    const logger = createJsonLogger({}, "error", () => {});
    return [...buildWeb(config, { redis: redis.client, sql: db.sql }, { logger, hostname: "k8s" }).routes];
  } finally {
    await Promise.all([db.drop(), redis.cleanup()]);
  }
}
