// `npm run bench`: the figures the Node target is held to, measured on this
// machine with Redis, PostgreSQL and the load generator all local. It prints
// figures; it never fails because the machine was slow.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import postgres from "postgres";
import { migrate } from "../src/node/migrations.ts";
import { createRedisClient } from "../src/node/redis-client.ts";
import { streamNames } from "../src/redis/keys.ts";
import { imageNodeOptions, measureImage } from "./container.ts";

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 50;
const PREFILL = Number(process.env.BENCH_PREFILL ?? 200_000);
const ROOT = new URL("../", import.meta.url);
const SCRIPTS: Record<string, string> = JSON.parse(readFileSync(new URL("package.json", ROOT), "utf8")).scripts;

/** The node arguments of an npm script (`node <flags> <file>`), so the bench runs what the container runs. */
function scriptArgs(name: string): string[] {
  const [command, ...args] = (SCRIPTS[name] ?? "").split(" ");
  if (command !== "node") throw new Error(`npm script ${name} is not a plain node command`);
  return args;
}

type Row = { what: string; figure: string; target: string; verdict: string };
const rows: Row[] = [];
const report = (what: string, figure: string, target: string, met: boolean | null) =>
  rows.push({ what, figure, target, verdict: met === null ? "" : met ? "met" : "MISSED" });

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function start(args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  return child;
}

async function waitUntil(probe: () => Promise<boolean>, timeoutMs = 60_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

async function stop(child: ChildProcess, group = false): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  if (group && child.pid) process.kill(-child.pid, "SIGTERM");
  else child.kill("SIGTERM");
  await exited;
}

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
    {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const match = /Total Upload: ([\d.]+ KiB) \/ gzip: ([\d.]+) KiB/.exec(output);
  if (!match) throw new Error(`no size in wrangler's output:\n${output}`);
  return { raw: match[1]!, gzip: Number(match[2]) };
}

/** A short unmeasured run first, so the JIT has warmed up before the measured one. */
async function load(url: string, options: Partial<autocannon.Options> = {}): Promise<autocannon.Result> {
  await autocannon({ url, connections: CONNECTIONS, duration: 2, ...options });
  return autocannon({ url, connections: CONNECTIONS, duration: SECONDS, ...options });
}

function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kib / 1024;
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main() {
  const name = `bench_${Date.now().toString(36)}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const dbUrl = ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  const sql = postgres(dbUrl, { max: 2, onnotice: () => {} });
  await migrate(sql, dbUrl);
  const prefix = `bench_${Date.now().toString(36)}:`;
  const redis = createRedisClient(REDIS_URL);
  await redis.connect();
  const names = streamNames(prefix);
  const env = {
    DATABASE_URL: dbUrl,
    REDIS_URL,
    REDIS_PREFIX: prefix,
    COOKIE_SECRET: "bench-cookie-secret-0123456789",
    NODE_OPTIONS: imageNodeOptions(),
  };
  const children: ChildProcess[] = [];

  try {
    console.log(
      `Node ${process.version}, ${SECONDS} s per load run, ${CONNECTIONS} connections, autocannon on the same machine.\n`,
    );

    // 1. Vote ingest next to a bare Hono route, same run, same process model.
    const helloPort = await freePort();
    const hello = start(["bench/hello-server.ts"], { PORT: String(helloPort) });
    children.push(hello);
    await waitUntil(async () => (await fetch(`http://127.0.0.1:${helloPort}/hello`)).ok);
    const helloResult = await load(`http://127.0.0.1:${helloPort}/hello`);
    await stop(hello);

    const webPort = await freePort();
    const web = start(scriptArgs("start:web"), { ...env, PORT: String(webPort) });
    children.push(web);
    const base = `http://127.0.0.1:${webPort}`;
    await waitUntil(async () => (await fetch(`${base}/readyz`)).ok);
    const voteResult = await load(`${base}/vote`, {
      requests: [
        { method: "POST", body: "vote=a", headers: { "content-type": "application/x-www-form-urlencoded" } },
        { method: "POST", body: "vote=b", headers: { "content-type": "application/x-www-form-urlencoded" } },
      ],
    });
    const ingested = await redis.xLen(names.stream);
    const share = voteResult.requests.average / helloResult.requests.average;
    const voteErrors = voteResult.errors + voteResult.non2xx + voteResult.timeouts;
    report("hello (bare Hono) req/s", fmt(helloResult.requests.average), "baseline", null);
    report("hello p99 latency", `${helloResult.latency.p99} ms`, "", null);
    report(
      "POST /vote req/s",
      `${fmt(voteResult.requests.average)} (${fmt(share * 100)}% of hello)`,
      ">= 40% of hello",
      share >= 0.4,
    );
    report("POST /vote p99 latency", `${voteResult.latency.p99} ms`, "< 30 ms", voteResult.latency.p99 < 30);
    report(
      "POST /vote errors",
      `${voteErrors} (of ${fmt(voteResult.requests.total)}; ${fmt(ingested)} queued)`,
      "0",
      voteErrors === 0,
    );

    // 1b. The same vote under `wrangler dev` (web Worker, Upstash bridge, queue, consumer Worker).
    const devPort = await freePort();
    const state = mkdtempSync(join(tmpdir(), "bench-wrangler-"));
    const hyperdrive = new URL(dbUrl);
    hyperdrive.password = "postgres";
    const dev = spawn(
      process.execPath,
      [
        "tools/dev.ts",
        "--var",
        `REDIS_PREFIX:${prefix}workers:`,
        "--var",
        "VOTE_RATE_LIMIT:0",
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
    children.push(dev);
    await waitUntil(async () => (await fetch(`http://127.0.0.1:${devPort}/readyz`)).ok, 120_000, 250);
    const workersVote = await load(`http://127.0.0.1:${devPort}/vote`, {
      requests: [{ method: "POST", body: "vote=a", headers: { "content-type": "application/x-www-form-urlencoded" } }],
    });
    await stop(dev, true);
    rmSync(state, { recursive: true, force: true });
    const workersErrors = workersVote.errors + workersVote.non2xx + workersVote.timeouts;
    report(
      "POST /vote under wrangler dev req/s",
      `${fmt(workersVote.requests.average)}, p99 ${workersVote.latency.p99} ms, ${workersErrors} errors`,
      "(local simulator; for comparison)",
      null,
    );
    for (const [name, config] of [
      ["web Worker", "wrangler.toml"],
      ["consumer Worker", "workers/consumer/wrangler.toml"],
    ] as const) {
      const size = bundleSize(config);
      report(
        `${name} bundle (wrangler deploy --dry-run)`,
        `${size.raw}, ${fmt(size.gzip, 2)} KiB gzip`,
        "< 150 KiB gzip",
        size.gzip < 150,
      );
    }

    // 2. Consumer: drain a pre-filled stream into PostgreSQL.
    await redis.del(names.stream);
    await sql`TRUNCATE votes, tallies`;
    const voters = Array.from({ length: PREFILL / 10 }, () => randomUUID());
    const castAt = new Date().toISOString();
    for (let from = 0; from < PREFILL; from += 10_000) {
      const multi = redis.multi();
      for (let i = from; i < Math.min(from + 10_000, PREFILL); i++) {
        const voter = voters[i % voters.length]!;
        const version = Math.floor(i / voters.length) + 1;
        const ballot = { poll: "default", voter, choice: i % 3 === 0 ? "b" : "a", version, castAt };
        multi.xAdd(names.stream, "*", { ballot: JSON.stringify(ballot) });
      }
      await multi.execAsPipeline();
    }
    const consumerPort = await freePort();
    const consumer = start(scriptArgs("start:consumer"), { ...env, PORT: String(consumerPort) });
    children.push(consumer);
    let startedAt = 0;
    let startLength = PREFILL;
    await waitUntil(
      async () => {
        const length = await redis.xLen(names.stream);
        if (startedAt === 0 && length < PREFILL) {
          startedAt = performance.now();
          startLength = length;
        }
        return length === 0;
      },
      300_000,
      5,
    );
    const drainSeconds = (performance.now() - startedAt) / 1000;
    const perSecond = startLength / drainSeconds;
    const [check] = await sql<{ tallied: string; rows: string }[]>`
      SELECT (SELECT coalesce(sum(votes), 0) FROM tallies) AS tallied, (SELECT count(*) FROM votes) AS rows`;
    report(
      "consumer votes/s (stream -> PostgreSQL)",
      `${fmt(perSecond)} (${fmt(startLength)} votes in ${fmt(drainSeconds, 2)} s)`,
      ">= 30,000",
      perSecond >= 30_000,
    );
    report(
      "  after the drain",
      `SUM(tallies) = ${check?.tallied}, COUNT(votes) = ${check?.rows}`,
      "equal",
      check?.tallied === check?.rows,
    );
    await stop(consumer);

    // 3. Results: the same read with 1,000 and with 1,000,000 votes stored.
    const resultsAt = async (votes: number) => {
      await sql`TRUNCATE votes, tallies`;
      await sql`
        INSERT INTO votes (poll_id, voter_id, option_id, version, cast_at)
        SELECT 'default', gen_random_uuid()::text, CASE WHEN n % 3 = 0 THEN 'b' ELSE 'a' END, 1, now()
        FROM generate_series(1, ${votes}) AS n`;
      await sql`VACUUM ANALYZE votes, tallies`;
      // Let the database settle (autovacuum after a bulk insert) before measuring.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const http = await load(`${base}/api/results`, { duration: Math.max(3, SECONDS / 2) });
      const direct: number[] = [];
      for (let i = 0; i < 2_000; i++) {
        const started = performance.now();
        await sql`SELECT option_id, votes FROM tallies WHERE poll_id = 'default'`;
        direct.push(performance.now() - started);
      }
      direct.sort((x, y) => x - y);
      return { http, directP50: direct[1_000]!, directP99: direct[1_980]! };
    };
    const small = await resultsAt(1_000);
    const large = await resultsAt(1_000_000);
    const within = (x: number, y: number) => Math.abs(x - y) / Math.max(x, y, 1e-9) <= 0.2;
    report(
      "GET /api/results mean latency, 1k vs 1M votes",
      `${fmt(small.http.latency.average, 2)} ms vs ${fmt(large.http.latency.average, 2)} ms (${fmt(small.http.requests.average)} vs ${fmt(large.http.requests.average)} req/s)`,
      "within 20%",
      within(small.http.latency.average, large.http.latency.average),
    );
    report(
      "  uncached tally query p50, 1k vs 1M votes",
      `${fmt(small.directP50, 3)} ms vs ${fmt(large.directP50, 3)} ms`,
      "(tens of µs either way: one indexed row per option)",
      null,
    );

    // 4. Memory: the web process's peak RSS over everything above.
    const peak = peakRssMiB(web.pid!);
    report("web process peak RSS", `${fmt(peak, 1)} MiB`, "< 128 MiB", peak < 128);
    await stop(web);
  } finally {
    for (const child of children) await stop(child, child.spawnargs.includes("tools/dev.ts"));
    await redis.del([names.stream, names.deadLetters]);
    for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
      if (keys.length > 0) await redis.del(keys);
    }
    await redis.quit();
    await sql.end();
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }

  // 5. The image (bench/container.ts): the web container's memory after load, and its stop time.
  for (const row of await measureImage(CONNECTIONS)) report(...row);

  const width = (key: keyof Row) => Math.max(...rows.map((row) => row[key].length), key.length);
  const line = (row: Row) =>
    `${row.what.padEnd(width("what"))}  ${row.figure.padEnd(width("figure"))}  ${row.target.padEnd(width("target"))}  ${row.verdict}`;
  console.log(line({ what: "measure", figure: "figure", target: "target", verdict: "" }));
  for (const row of rows) console.log(line(row));
}

await main();
