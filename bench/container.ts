// The image's figures, for `npm run bench` (or alone: `node bench/container.ts`):
// the Dockerfile built by podman, web and consumer each in a container run as
// the manifests run them (locked down, the manifests' memory limit, the
// ConfigMap), then 8 s of cookieless `POST /vote` at the web container (after
// a 2 s warm-up). It prints the web container's memory idle and after the
// load, the votes/s, the consumer's memory once it has written those votes to
// PostgreSQL, and how long `podman stop` takes.
// Where podman can't run it says why and measures nothing.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { createClient } from "@redis/client";
import autocannon from "autocannon";
import postgres from "postgres";
import { envOf, readDockerfile } from "../test/container/dockerfile.ts";
import {
  buildImage,
  ensureBaseImage,
  freePort,
  imageConfig,
  lockedDown,
  type MemoryFigures,
  manifestContainers,
  memoryLimitFlag,
  memoryOf,
  podman,
  podmanProblem,
  ROOT,
  removeContainers,
  stopTimed,
  TEST_IMAGE,
  until,
} from "../test/container/podman.ts";

export type Row = [what: string, figure: string, target: string, met: boolean | null];

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const LOAD_SECONDS = 8;
const LIMIT_MIB = 128;

const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const memory = (m: MemoryFigures) =>
  `${fmt(m.rssMiB, 1)} MiB resident (${fmt(m.anonMiB, 1)} anonymous), cgroup working set ${fmt(m.cgroupMiB, 1)} MiB`;

/** The node flags the image runs with (its NODE_OPTIONS), for the processes the bench starts on the host. */
export function imageNodeOptions(): string {
  return envOf(readDockerfile().stages.at(-1)!).NODE_OPTIONS ?? "";
}

/**
 * The image's allocator (its LD_PRELOAD and MALLOC_CONF) for the processes
 * the bench starts on the host: the same library found where this machine
 * keeps it (Debian's libjemalloc2), or nothing, and then glibc's malloc.
 */
export function imageAllocator(): { env: Record<string, string>; note: string } {
  const { LD_PRELOAD, MALLOC_CONF } = envOf(readDockerfile().stages.at(-1)!);
  if (!LD_PRELOAD) return { env: {}, note: "glibc malloc, as in the image" };
  const name = basename(LD_PRELOAD);
  const dirs = [
    `/usr/lib/${process.arch === "arm64" ? "aarch64" : "x86_64"}-linux-gnu`,
    "/usr/lib64",
    "/usr/local/lib",
  ];
  const found = dirs.map((dir) => join(dir, name)).find((path) => existsSync(path));
  if (!found) return { env: {}, note: `glibc malloc: ${name} is not on this machine (apt-get install libjemalloc2)` };
  return { env: { LD_PRELOAD: found, ...(MALLOC_CONF ? { MALLOC_CONF } : {}) }, note: `${name}, as in the image` };
}

/**
 * `room`, when given, runs against the web container once the consumer is up
 * (the full room of bench/full-room.ts) and gets the container's working set.
 */
export async function measureImage(
  connections = 50,
  room?: (base: string, workingSetMiB: () => Promise<number>) => Promise<Row[]>,
): Promise<Row[]> {
  const problem = podmanProblem();
  if (problem) {
    console.log(`image: skipped, ${problem}`);
    return [["image (podman)", `skipped: ${problem}`, "", null]];
  }
  const rows: Row[] = [];
  const base = ensureBaseImage();
  const build = await buildImage();
  rows.push([
    "image build (podman, the Dockerfile)",
    `${fmt(build.seconds, 1)} s${base.seconds > 5 ? `, after ${fmt(base.seconds, 0)} s for the stand-in base image` : ""}`,
    "",
    null,
  ]);
  const { User: user } = await imageConfig();
  const manifests = manifestContainers();
  const suffix = `${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  const database = `bench_img_${suffix}`;
  const databaseUrl = `${ADMIN_URL.replace(/\/[^/]*$/, "")}/${database}`;
  const prefix = `bench-img-${suffix}:`;
  const names = { web: `vote-bench-${suffix}-web`, consumer: `vote-bench-${suffix}-consumer` };
  const ports = { web: await freePort(), consumer: await freePort() };
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${database}`);
  const flags = (role: string, env: Record<string, string>) => [
    ...lockedDown(user),
    memoryLimitFlag(manifests.get(role)!),
    `--env-file=${ROOT}k8s/base/config.env`,
    ...Object.entries({
      DATABASE_URL: databaseUrl,
      REDIS_URL,
      REDIS_PREFIX: prefix,
      COOKIE_SECRET: "bench-cookie-secret-0123456789",
      LOG_LEVEL: "warn",
      // The app's own drain; the manifests wait 5 s more on purpose, for load balancers.
      SHUTDOWN_DELAY_MS: "0",
      ...env,
    }).map(([key, value]) => `--env=${key}=${value}`),
  ];
  try {
    const migrate = manifests.get("migrate")!;
    await podman(["run", "--rm", ...flags("migrate", {}), TEST_IMAGE, ...migrate.command]);
    const start = async (role: "web" | "consumer") => {
      await podman([
        "run",
        "--detach",
        `--name=${names[role]}`,
        ...flags(role, { PORT: String(ports[role]) }),
        TEST_IMAGE,
        ...manifests.get(role)!.command,
      ]);
      await until(async () => (await fetch(`http://127.0.0.1:${ports[role]}/readyz`)).ok, `${role} /readyz`, 60_000);
    };
    // The consumer starts after the load, so the web container has the CPU to itself, as in the host figures.
    await start("web");
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const idle = await memoryOf(names.web);
    const vote = {
      url: `http://127.0.0.1:${ports.web}/vote`,
      method: "POST" as const,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "vote=a",
      connections,
    };
    await autocannon({ ...vote, duration: 2 });
    const result = await autocannon({ ...vote, duration: LOAD_SECONDS });
    const after = await memoryOf(names.web);
    const errors = result.errors + result.non2xx + result.timeouts;
    await start("consumer");
    const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    const written = await until(
      async () => {
        const [row] = await sql<{ votes: number }[]>`SELECT coalesce(sum(votes), 0)::int AS votes FROM tallies`;
        return row!.votes >= result.requests.total - errors && row!.votes;
      },
      "the consumer to write the votes",
      120_000,
    ).finally(() => sql.end());
    const consumer = await memoryOf(names.consumer);
    const roomRows = room
      ? await room(`http://127.0.0.1:${ports.web}`, async () => (await memoryOf(names.web)).cgroupMiB)
      : [];
    const limit = manifests.get("web")!.resources.limits.memory;
    rows.push(["web container idle", memory(idle), "", null]);
    rows.push([
      `web container after ${LOAD_SECONDS} s of POST /vote`,
      memory(after),
      `working set < ${LIMIT_MIB} MiB (run under its ${limit} limit)`,
      // The working set is what the kubelet measures against the limit and evicts by; the resident
      // figure also counts the node binary's file pages, which the kernel can drop under pressure.
      after.cgroupMiB < LIMIT_MIB,
    ]);
    rows.push([
      "  POST /vote in the container req/s",
      `${fmt(result.requests.average)}, p99 ${result.latency.p99} ms, ${errors} errors`,
      "",
      errors === 0 ? null : false,
    ]);
    rows.push([
      "consumer container after writing them",
      `${memory(consumer)} (${fmt(written)} votes)`,
      `working set < ${LIMIT_MIB} MiB`,
      consumer.cgroupMiB < LIMIT_MIB,
    ]);
    rows.push(...roomRows);
    for (const role of ["web", "consumer"] as const) {
      const stop = await stopTimed(names[role]);
      rows.push([
        `${role} container stop (podman stop, SIGTERM)`,
        `${fmt(stop.seconds, 2)} s, exit code ${stop.exitCode}${stop.oomKilled ? ", OOM-killed" : ""}`,
        "< 10 s, exit 0",
        stop.seconds < 10 && stop.exitCode === 0 && !stop.oomKilled,
      ]);
    }
  } finally {
    await removeContainers(Object.values(names));
    await admin.unsafe(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
    const redis = createClient({ url: REDIS_URL });
    await redis.connect();
    for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
      if (keys.length > 0) await redis.del(keys);
    }
    await redis.quit();
  }
  return rows;
}

if (import.meta.main) {
  const rows = await measureImage();
  const width = (i: 0 | 1 | 2) => Math.max(...rows.map((row) => row[i].length));
  for (const [what, figure, target, met] of rows) {
    console.log(
      `${what.padEnd(width(0))}  ${figure.padEnd(width(1))}  ${target.padEnd(width(2))}  ${met === null ? "" : met ? "met" : "MISSED"}`,
    );
  }
}
