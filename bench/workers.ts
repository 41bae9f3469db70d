// The Workers target on this machine: POST /vote under `wrangler dev` (web
// Worker, Upstash bridge, local queue, consumer Worker; a simulator, so only
// for comparison), the Upstash requests one vote costs, and the bundle sizes.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { probeFreshness } from "./freshness.ts";
import type { BenchStore, Row } from "./lib.ts";
import { errorsOf, fmt, formVotes, freePort, load, ROOT, stop, waitUntil } from "./lib.ts";

/** `wrangler deploy --dry-run` for one config: the sizes wrangler reports for the upload. */
function bundleSize(config: string): { raw: string; gzip: number } {
  const output = execFileSync(
    process.execPath,
    [
      "node_modules/wrangler/bin/wrangler.js",
      "deploy",
      "--dry-run",
      "-c",
      config,
      "--outdir",
      mkdtempSync(join(tmpdir(), "bundle-")),
    ],
    { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
  );
  const match = /Total Upload: ([\d.]+ KiB) \/ gzip: ([\d.]+) KiB/.exec(output);
  if (!match) throw new Error(`no size in wrangler's output:\n${output}`);
  return { raw: match[1]!, gzip: Number(match[2]) };
}

/**
 * The load beside the freshness probe under wrangler dev: the rate issue 18
 * measured at, or half the vote rate wrangler dev just reached on this
 * machine if that is less (past its capacity every request queues, and the
 * probe would measure the queue).
 */
const WORKERS_LOAD_RATE = 300;

const TOP_LEVEL = ["evalsha", "eval", "evalsha_ro", "eval_ro", "hgetall", "ping", "multi"];

/**
 * Calls of the commands the Worker sends (INFO commandstats), by command.
 * Commands a script runs inside count under their own names too, so only
 * the commands a client sends at the top level are kept: script calls, poll
 * reads, pings, transactions.
 */
async function topLevelCalls(store: BenchStore): Promise<Map<string, number>> {
  const info = await store.redis.info("commandstats");
  return new Map(
    TOP_LEVEL.map((command) => [
      command,
      Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, "m").exec(info)?.[1] ?? 0),
    ]),
  );
}

export async function measureWorkers(store: BenchStore): Promise<Row[]> {
  const rows: Row[] = [];
  const devPort = await freePort();
  const state = mkdtempSync(join(tmpdir(), "bench-wrangler-"));
  const hyperdrive = new URL(store.dbUrl);
  hyperdrive.password = "postgres";
  const dev = spawn(
    process.execPath,
    [
      "tools/dev.ts",
      "--var",
      `REDIS_PREFIX:${store.prefix}workers:`,
      // Both limits on (so their counting is in the figure) but out of reach.
      "--var",
      "VOTE_RATE_LIMIT:1000000",
      "--var",
      "VOTER_RATE_LIMIT:1000000",
      "--var",
      "LOG_LEVEL:warn",
      "--persist-to",
      state,
      "--inspector-port",
      String(await freePort()),
    ],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: String(devPort),
        UPSTASH_BRIDGE_PORT: String(await freePort()),
        CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: hyperdrive.toString(),
      },
      stdio: ["ignore", "ignore", "ignore"],
      detached: true,
    },
  );
  try {
    const base = `http://127.0.0.1:${devPort}`;
    await waitUntil(async () => (await fetch(`${base}/readyz`)).ok, 120_000, 250);
    const result = await load(`${base}/vote`, { requests: formVotes });
    rows.push([
      "POST /vote under wrangler dev req/s",
      `${fmt(result.requests.average)}, p99 ${result.latency.p99} ms, ${errorsOf(result)} errors`,
      "(local simulator; for comparison)",
      null,
    ]);
    // Requests the load left in flight are still being served for a moment.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const before = await topLevelCalls(store);
    const votes = 200;
    for (let i = 0; i < votes; i++) {
      await fetch(`${base}/vote`, formVotes[i % 2]!);
    }
    const after = await topLevelCalls(store);
    const perCommand = TOP_LEVEL.map(
      (command) => [command, ((after.get(command) ?? 0) - (before.get(command) ?? 0)) / votes] as const,
    ).filter(([, perVote]) => perVote > 0);
    const perVote = perCommand.reduce((sum, [, n]) => sum + n, 0);
    rows.push([
      "Redis/Upstash requests per vote (limits on)",
      `${fmt(perVote, 2)} (${perCommand.map(([command, n]) => `${command} ${fmt(n, 2)}`).join(", ")})`,
      "1 script per vote (was 2-3 requests)",
      (perCommand.find(([command]) => command === "evalsha")?.[1] ?? 0) <= 1.01,
    ]);
    const loadRate = Math.min(WORKERS_LOAD_RATE, Math.round(result.requests.average / 2));
    const fresh = await probeFreshness(base, loadRate);
    rows.push([
      `freshness under wrangler dev: a probe vote's 202 to /api/results counting it (${fmt(loadRate)} votes/s elsewhere)`,
      `p50 ${fmt(fresh.p50)} ms, p99 ${fmt(fresh.p99)} ms (load: ${fmt(fresh.loadRate)} req/s, ${fresh.loadErrors} errors)`,
      "p99 <= 1,500 ms",
      fresh.p99 <= 1_500,
    ]);
  } finally {
    await stop(dev, true);
    rmSync(state, { recursive: true, force: true });
  }
  for (const [name, config] of [
    ["web Worker", "wrangler.toml"],
    ["consumer Worker", "workers/consumer/wrangler.toml"],
  ] as const) {
    const size = bundleSize(config);
    rows.push([
      `${name} bundle (wrangler deploy --dry-run)`,
      `${size.raw}, ${fmt(size.gzip, 2)} KiB gzip`,
      "< 150 KiB gzip",
      size.gzip < 150,
    ]);
  }
  return rows;
}
