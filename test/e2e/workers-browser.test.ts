import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../helpers/browser.ts";
import { createTestDatabase, createTestRedis, waitFor } from "../helpers/services.ts";
import { describeVoterInBrowser } from "./browser-flow.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

describeVoterInBrowser("Workers: npm run dev (wrangler dev, both Workers)", async () => {
  const [db, redis] = await Promise.all([createTestDatabase(), createTestRedis()]);
  const [port, bridgePort, inspectorPort] = [await freePort(), await freePort(), await freePort()];
  const state = mkdtempSync(join(tmpdir(), "wrangler-state-"));
  const hyperdrive = new URL(db.url);
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
});
