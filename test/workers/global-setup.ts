import { createRequire } from "node:module";
import type { TestProject } from "vitest/node";
import { migrate } from "../../src/node/migrate.ts";
import { startUpstashBridge } from "../../tools/upstash-bridge.ts";
import { createTestRedis, POSTGRES_ADMIN_URL, uniqueName } from "../helpers/services.ts";

// This project resolves packages for workerd, where postgres.js uses
// cloudflare:sockets; the setup runs in Node, so it loads Node's build directly.
const postgres = createRequire(import.meta.url)("postgres") as typeof import("postgres");

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    upstashUrl: string;
    upstashToken: string;
    redisPrefix: string;
  }
}

/**
 * Outside workerd: a migrated database of its own, a Redis key prefix of its
 * own and the Upstash bridge in front of the local Redis, handed to the
 * Workers through bindings (vitest.config.ts).
 */
export default async function setup(project: TestProject) {
  const name = uniqueName("test_workers");
  const admin = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  await migrate(url.toString());
  const redis = await createTestRedis();
  const token = `test-token-${Math.random().toString(36).slice(2)}`;
  const bridge = await startUpstashBridge({ redisUrl: "redis://127.0.0.1:6379", token, port: 0 });
  // Hyperdrive's local connection string must carry a password, even against trust auth.
  url.password = url.password || "postgres";
  project.provide("databaseUrl", url.toString());
  project.provide("upstashUrl", bridge.url);
  project.provide("upstashToken", token);
  project.provide("redisPrefix", redis.prefix);
  return async () => {
    await bridge.close();
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await Promise.all([admin.end(), redis.cleanup()]);
  };
}
