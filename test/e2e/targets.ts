import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../helpers/ports.ts";
import { startEntry } from "../helpers/processes.ts";
import { ROOT } from "../helpers/root.ts";
import { createTestDatabase, createTestRedis, waitFor } from "../helpers/services.ts";

/** A running copy of the app for the browser: its base URL and how to stop it. */
export interface RunningApp {
  base: string;
  stop(): Promise<void>;
}

/** The Node target as the containers run it: `web` and `consumer` processes on a fresh database and Redis prefix. */
export async function startNodeTarget(): Promise<RunningApp> {
  const [db, redis] = await Promise.all([createTestDatabase(), createTestRedis()]);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = { DATABASE_URL: db.url, REDIS_PREFIX: redis.prefix, COOKIE_SECRET: "browser-test-secret-0123456789" };
  const web = startEntry("web", { ...env, PORT: String(port) });
  const consumer = startEntry("consumer", { ...env, PORT: "0" });
  await waitFor(
    async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.ok,
    `the web server (${web.output()})`,
  );
  return {
    base,
    async stop() {
      for (const started of [web, consumer]) started.child.kill("SIGTERM");
      await Promise.all([web.exited, consumer.exited]);
      await Promise.all([db.drop(), redis.cleanup()]);
    },
  };
}

/**
 * The Workers target: `npm run dev` (both Workers under wrangler dev, the
 * Upstash bridge) on a fresh database, or on `databaseUrl` (a migrated database of the test's own).
 */
export async function startWorkersTarget(options: { databaseUrl?: string } = {}): Promise<RunningApp> {
  const [db, redis] = await Promise.all([createTestDatabase(), createTestRedis()]);
  const [port, bridgePort, inspectorPort] = [await freePort(), await freePort(), await freePort()];
  const state = mkdtempSync(join(tmpdir(), "wrangler-state-"));
  const hyperdrive = new URL(options.databaseUrl ?? db.url);
  hyperdrive.password = "postgres";
  const dev = spawn(
    "npm",
    [
      "run",
      "dev",
      "--",
      "--var",
      `REDIS_PREFIX:${redis.prefix}`,
      "--var",
      "VOTE_RATE_LIMIT:0",
      "--persist-to",
      state,
      "--inspector-port",
      String(inspectorPort),
    ],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: String(port),
        UPSTASH_BRIDGE_PORT: String(bridgePort),
        CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: hyperdrive.toString(),
      },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  );
  let output = "";
  dev.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  dev.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise((resolve) => dev.on("exit", resolve));
  const base = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.ok,
    `npm run dev (${output})`,
    90_000,
  );
  return {
    base,
    async stop() {
      // npm, node tools/dev.ts and wrangler's workerd share one process group.
      if (dev.pid) process.kill(-dev.pid, "SIGTERM");
      await exited;
      rmSync(state, { recursive: true, force: true });
      await Promise.all([db.drop(), redis.cleanup()]);
    },
  };
}
