import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRedisClient, type RedisClient } from "../../src/node/redis-client.ts";
import { freePort } from "./ports.ts";
import { waitFor } from "./services.ts";

export interface OwnRedis {
  url: string;
  client: RedisClient;
  /** The server's process id: a test may pause it (SIGSTOP) to see what a Redis that stops answering does. */
  pid: number;
  stop(): Promise<void>;
}
export type FullRedis = OwnRedis;

/**
 * A Redis server of the test's own that is full from the start (maxmemory 1
 * byte, noeviction), so a test can see writes refused without touching the
 * machine's Redis, which the other tests share.
 */
export async function startFullRedis(): Promise<FullRedis> {
  const own = await startOwnRedis();
  await own.client.configSet({ maxmemory: "1", "maxmemory-policy": "noeviction" });
  return own;
}

/**
 * A Redis server of the test's own (no persistence unless `args` asks for
 * it, say `--appendonly yes`), for failures the shared one must not suffer.
 */
export async function startOwnRedis(args: readonly string[] = []): Promise<OwnRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "own-redis-"));
  const server: ChildProcess = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, ...args],
    { stdio: "ignore" },
  );
  const url = `redis://127.0.0.1:${port}`;
  const client = await waitFor(async () => {
    const candidate = createRedisClient(url);
    try {
      await candidate.connect();
      return candidate;
    } catch {
      return undefined;
    }
  }, "the test's own Redis server");
  return {
    url,
    client,
    pid: server.pid as number,
    async stop() {
      server.kill("SIGCONT");
      await client.quit().catch(() => {});
      const exited = new Promise((resolve) => server.once("exit", resolve));
      server.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
