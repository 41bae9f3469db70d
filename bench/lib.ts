// What every bench section shares: processes, load, the bench database and
// Redis prefix, and the rows of the table `npm run bench` prints.
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import autocannon from "autocannon";
import postgres from "postgres";
import { migrate } from "../src/node/migrations.ts";
import { createRedisClient, type RedisClient } from "../src/node/redis-client.ts";
import { imageAllocator, imageNodeOptions } from "./container.ts";

export { freePort } from "../test/helpers/ports.ts";

import { until } from "../test/helpers/wait.ts";

export const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
/** Seconds of each measured load run (after 2 s of warm-up). */
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
export const CONNECTIONS = 50;
export const ROOT = new URL("../", import.meta.url);

/** One line of the table: the measure, its figure, the target or reference it is held to, and the verdict. */
export type Row = [what: string, figure: string, target: string, met: boolean | null];

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The manifests' memory limit for the web and consumer containers. */
export const CONTAINER_LIMIT_MIB = 128;

/**
 * The image's node flags (the Dockerfile's NODE_OPTIONS) as they work inside
 * a container with the manifests' memory limit: a heap size given as a share
 * of the container's memory becomes that share of the limit (on this host
 * it would be a share of 24 GiB, and the heap would grow lazily to match).
 */
export function containerNodeOptions(): string {
  return imageNodeOptions().replace(
    /--max-old-space-size-percentage=(\d+)/,
    (_, percent: string) => `--max-old-space-size=${Math.floor((CONTAINER_LIMIT_MIB * Number(percent)) / 100)}`,
  );
}

/** The allocator the processes run with: the image's, where this machine has it. */
export const allocator = imageAllocator();

/** Starts a node program with the container's node flags and allocator, as the image runs it. */
export function start(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      LOG_LEVEL: "warn",
      // BENCH_NODE_OPTIONS adds flags, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to see where a process spends its time.
      NODE_OPTIONS: `${containerNodeOptions()} ${process.env.BENCH_NODE_OPTIONS ?? ""}`.trim(),
      ...allocator.env,
      ...env,
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
}

export async function stop(child: ChildProcess, group = false): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  if (group && child.pid) process.kill(-child.pid, "SIGTERM");
  else child.kill("SIGTERM");
  await exited;
}

/** Waits until `probe` says yes (a throw counts as no). */
export async function waitUntil(probe: () => Promise<boolean>, timeoutMs = 60_000, everyMs = 50): Promise<void> {
  await until(probe, "the bench to be ready", timeoutMs, everyMs);
}

/** A short unmeasured run first (unless `warmUp` is false), so the JIT has warmed up before the measured one. */
export async function load(
  url: string,
  options: Partial<autocannon.Options> = {},
  warmUp = true,
  seconds = SECONDS,
): Promise<autocannon.Result> {
  if (warmUp) await autocannon({ url, connections: CONNECTIONS, duration: 2, ...options });
  return autocannon({ url, connections: CONNECTIONS, duration: seconds, ...options });
}

export const errorsOf = (result: autocannon.Result) => result.errors + result.non2xx + result.timeouts;

/** Resident memory of a process now (VmRSS), in MiB. */
export function rssMiB(pid: number): number {
  return statusMiB(pid, "VmRSS");
}

/**
 * Its anonymous resident memory (RssAnon), in MiB: the heap and the rest the
 * process made, without the pages of files it maps (the node binary's are
 * most of them: a bare hello server is 100 MiB resident), which the kernel
 * can drop and read again.
 */
export function anonMiB(pid: number): number {
  return statusMiB(pid, "RssAnon");
}

function statusMiB(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
}

/** Cookieless form votes, like the original app's `ab -p posta` load. */
export const formVotes = [
  { method: "POST" as const, body: "vote=a", headers: { "content-type": "application/x-www-form-urlencoded" } },
  { method: "POST" as const, body: "vote=b", headers: { "content-type": "application/x-www-form-urlencoded" } },
];

/** A database and a Redis prefix of the bench's own, removed afterwards. */
export interface BenchStore {
  dbUrl: string;
  sql: postgres.Sql;
  redis: RedisClient;
  prefix: string;
  /** What the app's processes need to reach them. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function openBenchStore(): Promise<BenchStore> {
  const name = `bench_${Date.now().toString(36)}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const dbUrl = ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  const sql = postgres(dbUrl, { max: 4, onnotice: () => {} });
  await migrate(sql, dbUrl);
  const prefix = `${name}:`;
  const redis = createRedisClient(REDIS_URL);
  await redis.connect();
  return {
    dbUrl,
    sql,
    redis,
    prefix,
    env: {
      DATABASE_URL: dbUrl,
      REDIS_URL,
      REDIS_PREFIX: prefix,
      COOKIE_SECRET: "bench-cookie-secret-0123456789",
      POLL_CREATE_RATE_LIMIT: "0",
    },
    async close() {
      for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
        if (keys.length > 0) await redis.del(keys);
      }
      await redis.quit();
      await sql.end();
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/** CPU seconds a process has used (user and system, all its threads), from /proc. */
export function cpuSeconds(pid: number | string): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
/** /proc counts CPU time in clock ticks: 100 a second on Linux (getconf CLK_TCK). */
const CLOCK_TICKS = 100;

/**
 * CPU seconds used so far by every PostgreSQL process on this machine that
 * is still running (a backend's time goes with it when it exits, so read
 * this before closing the connections measured).
 */
export function postgresCpuSeconds(): number {
  let total = 0;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "postgres") total += cpuSeconds(pid);
    } catch {
      // Gone meanwhile.
    }
  }
  return total;
}

/** CPU seconds Redis has used (INFO cpu: user and system), wherever it runs. */
export async function redisCpuSeconds(store: BenchStore): Promise<number> {
  const info = await store.redis.info("cpu");
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, "m").exec(info)?.[1] ?? 0);
  return field("used_cpu_user") + field("used_cpu_sys");
}

/** The middle value (of an odd count; the upper middle of an even one). */
export const middle = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
