import type { TestProject } from "vitest/node";
import { startUpstashBridge } from "../../tools/upstash-bridge.ts";
import { createTestDatabase, createTestRedis } from "./services.ts";

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
  const [db, redis] = await Promise.all([createTestDatabase(), createTestRedis()]);
  const token = `test-token-${Math.random().toString(36).slice(2)}`;
  const bridge = await startUpstashBridge({ redisUrl: "redis://127.0.0.1:6379", token, port: 0 });
  // Hyperdrive's local connection string must carry a password, even against trust auth.
  const url = new URL(db.url);
  url.password = url.password || "postgres";
  project.provide("databaseUrl", url.toString());
  project.provide("upstashUrl", bridge.url);
  project.provide("upstashToken", token);
  project.provide("redisPrefix", redis.prefix);
  return async () => {
    await bridge.close();
    await Promise.all([db.drop(), redis.cleanup()]);
  };
}
