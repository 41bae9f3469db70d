import { Hono } from "hono";
import { createJsonLogger } from "../../src/core/logger.ts";
import { buildWeb } from "../../src/node/compose.ts";
import { parseNodeConfig } from "../../src/node/config.ts";
import { migrate } from "../../src/node/migrations.ts";
import { latestMigration } from "../../src/node/schema.ts";
import { createPostgresArchive } from "../../src/postgres/archive.ts";
import { createPostgresPollArchive } from "../../src/postgres/polls.ts";
import { createTestDatabase, createTestRedis } from "../helpers/services.ts";

/**
 * Everything test/k8s imports from src/ lives in this one file, so a rename
 * there is a one-file fix here.
 */

export { createPostgresArchive as voteArchive, createPostgresPollArchive as pollArchive, latestMigration, migrate };

/** The Node processes' settings with nothing set: the code's defaults. */
export const DEFAULTS = parseNodeConfig({}, "k8s", "consumer");

export interface AppRoute {
  method: string;
  path: string;
}

/**
 * The routes of the web process, as `buildWeb` (what the container runs)
 * composes them, read from the Hono app's own `routes`. buildWeb returns
 * only the app's fetch function, so the app is caught as the Hono instance
 * that routes others and is routed by none.
 */
export async function webRoutes(): Promise<AppRoute[]> {
  const [db, redis] = await Promise.all([createTestDatabase(), createTestRedis()]);
  const routers = new Set<Hono>();
  const routed = new Set<Hono>();
  const route = Hono.prototype.route;
  Hono.prototype.route = function (this: Hono, path: string, app: Hono) {
    routers.add(this);
    routed.add(app);
    return route.call(this, path, app);
  } as typeof route;
  try {
    const config = parseNodeConfig({ COOKIE_SECRET: "k8s-routes-test-secret-0123456789", REDIS_PREFIX: redis.prefix });
    buildWeb(
      config,
      { redis: redis.client, sql: db.sql },
      { logger: createJsonLogger({}, "error", () => {}), hostname: "k8s" },
    );
  } finally {
    Hono.prototype.route = route;
    await Promise.all([db.drop(), redis.cleanup()]);
  }
  const roots = [...routers].filter((app) => !routed.has(app));
  if (roots.length !== 1) throw new Error(`expected one root Hono app, found ${roots.length}`);
  return roots[0]!.routes.map(({ method, path }) => ({ method, path }));
}
