import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import type postgresType from "postgres";
import { migrate } from "../../src/node/migrations.ts";
import { createRedisClient, type RedisClient } from "../../src/node/redis-client.ts";

// Node's build of postgres.js, also when Vite resolves packages for workerd
// (the Workers project's global setup runs here, in Node).
const postgres = createRequire(import.meta.url)("postgres") as typeof postgresType;

export const POSTGRES_ADMIN_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

export function uniqueName(kind: string): string {
  return `${kind}_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
}

export interface TestDatabase {
  name: string;
  url: string;
  sql: postgresType.Sql;
  drop(): Promise<void>;
}

/** A fresh database with the migrations applied; `drop()` removes it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = uniqueName("test_votes");
  const admin = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  const sql = postgres(url.toString(), { max: 4, onnotice: () => {} });
  await migrate(sql, url.toString());
  return {
    name,
    url: url.toString(),
    sql,
    async drop() {
      await sql.end({ timeout: 1 });
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

export interface TestRedis {
  prefix: string;
  client: RedisClient;
  cleanup(): Promise<void>;
}

/** A Redis connection and a key prefix of its own; `cleanup()` deletes every key under it. */
export async function createTestRedis(): Promise<TestRedis> {
  const prefix = `${uniqueName("test")}:`;
  const client = createRedisClient(REDIS_URL);
  await client.connect();
  return {
    prefix,
    client,
    async cleanup() {
      for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
        if (keys.length > 0) await client.del(keys);
      }
      await client.quit();
    },
  };
}

export async function scanKeys(client: RedisClient, pattern: string): Promise<string[]> {
  const found: string[] = [];
  for await (const keys of client.scanIterator({ MATCH: pattern, COUNT: 500 })) found.push(...keys);
  return found;
}

export { waitFor } from "./wait.ts";
