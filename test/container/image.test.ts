import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { createClient } from "@redis/client";
import autocannon from "autocannon";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fullRoom, ROOM } from "../helpers/room.ts";
import {
  buildImage,
  ensureBaseImage,
  freePort,
  type ImageConfig,
  imageConfig,
  lockedDown,
  type ManifestContainer,
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
} from "./podman.ts";

/**
 * The real image: the repository's Dockerfile built by podman from the base
 * image its NODE_IMAGE names (a stand-in built by base-image.sh where no
 * registry can be reached), then migrate, web and consumer each in a
 * container of their own, locked down as the manifests run them, against the
 * local PostgreSQL and Redis over the host's network.
 */
const problem = podmanProblem();
if (problem) console.warn(`[container] skipped: ${problem}`);

const ADMIN = "postgres://postgres@127.0.0.1:5432/postgres";
const REDIS_URL = "redis://127.0.0.1:6379";
const suffix = `${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
const database = `img_test_${suffix}`;
const databaseUrl = `postgres://postgres@127.0.0.1:5432/${database}`;
const redisPrefix = `img-test-${suffix}:`;
const names = { web: `vote-img-${suffix}-web`, consumer: `vote-img-${suffix}-consumer` };
const started: string[] = [];
const SHUTDOWN_DELAY_MS = 1000;

/** podman run flags for one of the app's containers: the manifests' lockdown, ConfigMap and memory limit. */
function runFlags(container: ManifestContainer, user: string, env: Record<string, string>): string[] {
  return [
    ...lockedDown(user),
    memoryLimitFlag(container),
    `--env-file=${join(ROOT, "k8s/base/config.env")}`,
    ...Object.entries({
      DATABASE_URL: databaseUrl,
      REDIS_URL,
      REDIS_PREFIX: redisPrefix,
      COOKIE_SECRET: "image-test-cookie-secret-0123456789",
      SHUTDOWN_DELAY_MS: String(SHUTDOWN_DELAY_MS),
      ...env,
    }).map(([key, value]) => `--env=${key}=${value}`),
  ];
}

function jsonLines(logs: string): { event?: string }[] {
  return logs
    .trim()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line));
}

describe.skipIf(problem)("the image, built with podman and run as the manifests run it", () => {
  const manifests = manifestContainers();
  const admin = postgres(ADMIN, { max: 1, onnotice: () => {} });
  let config: ImageConfig;

  beforeAll(async () => {
    const base = ensureBaseImage();
    const build = await buildImage();
    console.log(
      `[container] base image ${base.image} ready in ${base.seconds.toFixed(1)} s; image built in ${build.seconds.toFixed(1)} s`,
    );
    config = await imageConfig();
    await admin.unsafe(`CREATE DATABASE ${database}`);
  }, 20 * 60_000);

  afterAll(async () => {
    await removeContainers(started);
    await admin.unsafe(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end({ timeout: 5 });
    const redis = createClient({ url: REDIS_URL });
    await redis.connect();
    for await (const keys of redis.scanIterator({ MATCH: `${redisPrefix}*`, COUNT: 500 })) {
      if (keys.length > 0) await redis.del(keys);
    }
    await redis.quit();
  }, 60_000);

  it("is built from the Dockerfile: node itself as the command, a numeric non-root user, the node flags in NODE_OPTIONS", () => {
    expect(config.Entrypoint ?? []).toEqual([]);
    expect(config.Cmd).toEqual(["node", "dist/node/web.js"]);
    const [uid, gid] = config.User.split(":").map(Number);
    expect(uid).toBeGreaterThanOrEqual(10000);
    expect(gid).toBeGreaterThanOrEqual(10000);
    const env = Object.fromEntries(
      config.Env.map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]),
    );
    expect(env.NODE_ENV).toBe("production");
    expect(env.NODE_OPTIONS).toMatch(/^--/);
    expect(config.StopSignal).toBe("SIGTERM");
  });

  it("migrates in its own locked-down container, and a second run changes nothing", async () => {
    const migrate = manifests.get("migrate")!;
    expect(migrate.command).toEqual(["node", "dist/node/migrate.js"]);
    for (let run = 0; run < 2; run++) {
      const output = await podman([
        "run",
        "--rm",
        ...runFlags(migrate, config.User, {}),
        TEST_IMAGE,
        ...migrate.command,
      ]);
      expect(output).toContain("Migrations are up to date.");
      if (run === 0) expect(output).toMatch(/Applied: /);
      else expect(output).not.toMatch(/Applied: /);
    }
    const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    const [row] = await sql`SELECT to_regclass('tallies') IS NOT NULL AS ready`;
    await sql.end();
    expect(row?.ready).toBe(true);
  });

  describe("web and consumer, each in a container of its own", () => {
    const ports = { web: 0, consumer: 0 };

    beforeAll(async () => {
      // The tables, whichever test runs first.
      const migrate = manifests.get("migrate")!;
      await podman(["run", "--rm", ...runFlags(migrate, config.User, {}), TEST_IMAGE, ...migrate.command]);
      for (const role of ["web", "consumer"] as const) {
        const container = manifests.get(role)!;
        ports[role] = await freePort();
        started.push(names[role]);
        await podman([
          "run",
          "--detach",
          `--name=${names[role]}`,
          ...runFlags(container, config.User, { PORT: String(ports[role]), CONSUMER_NAME: names[role] }),
          TEST_IMAGE,
          ...container.command,
        ]);
      }
      for (const role of ["web", "consumer"] as const) {
        await until(
          async () => (await fetch(`http://127.0.0.1:${ports[role]}/readyz`)).ok,
          `${role} /readyz`,
          60_000,
        ).catch(async (error) => {
          throw new Error(`${(error as Error).message}\n${await podman(["logs", names[role]]).catch(() => "")}`);
        });
      }
    }, 120_000);

    it("run the manifests' commands with node as PID 1, as the image's user, with no capabilities and a read-only root", async () => {
      for (const role of ["web", "consumer"] as const) {
        const command = manifests.get(role)!.command;
        expect(command[0], `${role}: the manifest runs node directly`).toBe("node");
        const cmdline = await podman(["exec", names[role], "cat", "/proc/1/cmdline"]);
        expect(cmdline.split("\0").filter(Boolean), role).toEqual(command);
        const top = (await podman(["top", names[role], "pid", "args"])).trim().split("\n").slice(1);
        expect(top, `${role}: node is the only process`).toHaveLength(1);
        const status = await podman(["exec", names[role], "cat", "/proc/1/status"]);
        const field = (name: string) => status.match(new RegExp(`^${name}:\\s+(.*)$`, "m"))![1]!.split(/\s+/);
        expect(field("Uid")).toEqual(Array(4).fill(config.User.split(":")[0]));
        expect(field("Gid")).toEqual(Array(4).fill(config.User.split(":")[1]));
        for (const set of ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"])
          expect(field(set), set).toEqual(["0000000000000000"]);
        expect(field("NoNewPrivs")).toEqual(["1"]);
        const maps = await podman(["exec", names[role], "cat", "/proc/1/maps"]);
        expect(maps, `${role}: node allocates with jemalloc (the image's LD_PRELOAD)`).toContain("libjemalloc.so.2");
        await expect(podman(["exec", names[role], "touch", "/app/written"])).rejects.toThrow(/Read-only file system/);
        await podman(["exec", names[role], "touch", "/tmp/written"]);
        const metrics = await (await fetch(`http://127.0.0.1:${ports[role]}/metrics`)).text();
        expect(metrics).toContain(`app="vote-${role}"`);
      }
      expect((await fetch(`http://127.0.0.1:${ports.web}/static/htmx.min.js`)).status).toBe(200);
    });

    it("take votes in the web container that the consumer container writes to PostgreSQL", async () => {
      const load = async (vote: string, amount: number) =>
        autocannon({
          url: `http://127.0.0.1:${ports.web}/vote`,
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: `vote=${vote}`,
          connections: 20,
          amount,
        });
      const [a, b] = [await load("a", 1500), await load("b", 500)];
      for (const result of [a, b]) expect(result.non2xx + result.errors, "refused votes").toBe(0);
      // Without a cookie every vote is a new voter's.
      const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
      try {
        const tallies = await until(
          async () => {
            const rows = await sql<{ option_id: string; votes: number }[]>`
              SELECT option_id, votes::int FROM tallies WHERE poll_id = 'default' ORDER BY option_id`;
            const byOption = Object.fromEntries(rows.map((row) => [row.option_id, row.votes]));
            return byOption.a === 1500 && byOption.b === 500 && byOption;
          },
          "2,000 votes in PostgreSQL",
          60_000,
        );
        expect(tallies).toEqual({ a: 1500, b: 500 });
        const [row] = await sql<{ count: number }[]>`SELECT count(*)::int AS count FROM votes`;
        expect(row?.count).toBe(2000);
      } finally {
        await sql.end();
      }
      const memory = await memoryOf(names.web);
      console.log(
        `[container] web after 2,000 votes: ${memory.rssMiB} MiB resident (${memory.anonMiB} anonymous), cgroup working set ${memory.cgroupMiB} MiB`,
      );
    });

    it("hold a full room: a thousand pages connecting at once and polling while votes flow, each poll answered", async () => {
      // Latency belongs to the bench (BENCH_ONLY=image); here every poll and vote must get its answer,
      // and the next test checks the container was not OOM-killed under its manifest limit.
      const room = await fullRoom(`http://127.0.0.1:${ports.web}`, 10);
      const memory = await memoryOf(names.web);
      console.log(
        `[container] web after a room of ${ROOM}: p99 ${room.p99} ms, cgroup working set ${memory.cgroupMiB} MiB`,
      );
      expect(room.requests).toBeGreaterThanOrEqual(ROOM * 5);
      expect({ timeouts: room.timeouts, errors: room.errors, voteErrors: room.voteErrors }).toEqual({
        timeouts: 0,
        errors: 0,
        voteErrors: 0,
      });
      expect(room.votes).toBeGreaterThan(0);
    });

    it("stop on podman stop (SIGTERM) within a few seconds, cleanly", async () => {
      const stops = await Promise.all(
        (["web", "consumer"] as const).map(async (role) => [role, await stopTimed(names[role])] as const),
      );
      for (const [role, stop] of stops) {
        const logs = await podman(["logs", names[role]]);
        const events = jsonLines(logs).map((line) => line.event);
        console.log(`[container] ${role} stopped in ${stop.seconds.toFixed(2)} s, exit code ${stop.exitCode}`);
        expect(events, `${role} logged its shutdown`).toEqual(
          expect.arrayContaining(["shutdown.begin", "shutdown.done"]),
        );
        // 143 is 128 + SIGTERM: accepted only with the shutdown logged above.
        expect([0, 143], `${role} exit code`).toContain(stop.exitCode);
        expect(stop.oomKilled, `${role} OOM-killed`).toBe(false);
        // SHUTDOWN_DELAY_MS of serving with /readyz failing, then the drain: well inside podman stop's 10 s.
        expect(stop.seconds, `${role} stop time`).toBeLessThan(10);
      }
    });
  });
});
