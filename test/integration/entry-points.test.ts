import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { LISTEN_BACKLOG } from "../../src/node/compose.ts";
import { freePort } from "../helpers/ports.ts";
import { runScript, startEntry } from "../helpers/processes.ts";
import { createTestDatabase, POSTGRES_ADMIN_URL, type TestDatabase, uniqueName, waitFor } from "../helpers/services.ts";

/** A person's one-line message: no stack frames, no JSON. */
function expectOneClearLine(output: string, ...fragments: string[]) {
  const lines = output.trim().split("\n");
  expect(lines, output).toHaveLength(1);
  for (const fragment of fragments) expect(lines[0]).toContain(fragment);
  expect(output).not.toMatch(/^\s+at /m);
}

describe("the Node entry points", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  async function database(): Promise<TestDatabase> {
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    return db;
  }

  it.each(["start", "start:web", "start:consumer"])(
    "`npm run %s` exits with one clear line when Redis can't be reached",
    async (script) => {
      const { code, output } = await runScript(script, { REDIS_URL: "redis://127.0.0.1:1" });
      expect(code).toBe(1);
      expectOneClearLine(output, "Cannot reach Redis at redis://127.0.0.1:1", "set REDIS_URL");
    },
  );

  it.each(["start:consumer", "migrate"])(
    "`npm run %s` exits with one clear line when PostgreSQL can't be reached",
    async (script) => {
      const { code, output } = await runScript(script, { DATABASE_URL: "postgres://vote:s3cret@127.0.0.1:1/votes" });
      expect(code).toBe(1);
      expectOneClearLine(
        output,
        "Cannot reach PostgreSQL at postgres://vote:****@127.0.0.1:1/votes",
        "set DATABASE_URL",
      );
      expect(output).not.toContain("s3cret");
    },
  );

  it("`npm run start:web` tells you to migrate when the tables aren't there", async () => {
    const name = uniqueName("empty");
    const { default: postgres } = await import("postgres");
    const admin = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {} });
    await admin.unsafe(`CREATE DATABASE ${name}`);
    cleanups.push(async () => {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    });
    const url = POSTGRES_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
    const { code, output } = await runScript("start:web", {
      DATABASE_URL: url,
      LOG_LEVEL: "error",
      PORT: String(await freePort()),
    });
    expect(code).toBe(1);
    expectOneClearLine(output, "npm run migrate");
  });

  it("`npm run start:web` stays unready while the schema is older than the code (a rollout's migration under way)", async () => {
    const db = await database();
    const [latest] = await db.sql<{ version: string }[]>`SELECT max(version) AS version FROM schema_migrations`;
    await db.sql`DELETE FROM schema_migrations WHERE version = ${latest?.version ?? ""}`;
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const web = startEntry("web", {
      DATABASE_URL: db.url,
      REDIS_PREFIX: `${uniqueName("older")}:`,
      PORT: String(port),
      LOG_LEVEL: "warn",
    });
    cleanups.push(async () => {
      web.child.kill("SIGKILL");
      await web.exited;
    });
    const unready = await waitFor(async () => {
      const response = await fetch(`${base}/readyz`).catch(() => undefined);
      return response?.status === 503 && ((await response.json()) as { checks: Record<string, string> });
    }, "readiness to fail on the schema");
    expect(unready.checks).toMatchObject({ redis: "ok", schema: "unreachable" });
    expect(web.output()).toContain('"event":"postgres.schema_older"');
    // The migration lands (the consumer pod's init container, in Kubernetes): the web becomes ready.
    await db.sql`INSERT INTO schema_migrations (version) VALUES (${latest?.version ?? ""})`;
    await waitFor(async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.ok, "readiness once migrated");
    expect(web.child.exitCode).toBeNull();
  });

  it("`npm run start:web` starts and takes votes while PostgreSQL can't be reached, and catches up once it can", async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const web = startEntry("web", {
      DATABASE_URL: "postgres://vote:s3cret@127.0.0.1:1/votes",
      REDIS_PREFIX: `${uniqueName("nopg")}:`,
      PORT: String(port),
      LOG_LEVEL: "info",
    });
    cleanups.push(async () => {
      web.child.kill("SIGKILL");
      await web.exited;
    });
    const ready = await waitFor(async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.ok, "readiness");
    expect(ready).toBe(true);
    const vote = await fetch(`${base}/vote`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "vote=a",
    });
    expect(vote.status).toBe(200);
    const results = await fetch(`${base}/api/results`);
    expect(results.status).toBe(503);
    expect(results.headers.get("retry-after")).toBe("5");
    const warning = web
      .output()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line))
      .find((line) => line.event === "postgres.unreachable");
    expect(warning).toMatchObject({ level: "warn", where: "postgres://vote:****@127.0.0.1:1/votes" });
    expect(web.output()).not.toContain("s3cret");
  });

  it("`npm run migrate` waits for another migration's lock only MIGRATION_LOCK_TIMEOUT_SECONDS, then says why", async () => {
    const db = await database();
    const { default: postgres } = await import("postgres");
    const holder = postgres(db.url, { max: 1, onnotice: () => {} });
    cleanups.push(() => holder.end({ timeout: 1 }));
    let release: () => void = () => {};
    const held = holder.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(7263111042)`;
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    await waitFor(async () => {
      const [row] = await db.sql<{ n: string }[]>`SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory'`;
      return Number(row?.n) > 0;
    }, "the other migration's lock");
    const { code, output } = await runScript("migrate", { DATABASE_URL: db.url, MIGRATION_LOCK_TIMEOUT_SECONDS: "1" });
    release();
    await held;
    expect(code).toBe(1);
    expectOneClearLine(output, "Migration failed", "held the migration lock for more than 1 s");
  });

  it("keeps an idle keep-alive connection open for KEEP_ALIVE_TIMEOUT_MS, past Node's default of 5 s, and listens with a deep backlog", async () => {
    const db = await database();
    const port = await freePort();
    const web = startEntry("web", {
      DATABASE_URL: db.url,
      REDIS_PREFIX: `${uniqueName("keepalive")}:`,
      PORT: String(port),
      KEEP_ALIVE_TIMEOUT_MS: "20000",
    });
    cleanups.push(async () => {
      web.child.kill("SIGKILL");
      await web.exited;
    });
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok, "the web");
    const { Agent, request } = await import("node:http");
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = () =>
      new Promise<{ status: number; socket: unknown }>((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port, path: "/healthz", agent }, (res) => {
          res.resume();
          res.on("end", () => resolve({ status: res.statusCode ?? 0, socket: req.socket }));
        });
        req.on("error", reject);
        req.end();
      });
    const first = await get();
    // Idle longer than Node's own 5 s keep-alive: the same socket must still be there.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    const second = await get();
    agent.destroy();
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.socket).toBe(first.socket);
    // The listening socket's backlog (ss shows it as Send-Q): LISTEN_BACKLOG as the kernel caps it, not Node's 511.
    const listening = execFileSync("ss", ["-ltnH", `sport = :${port}`], { encoding: "utf8" })
      .trim()
      .split(/\s+/);
    const somaxconn = Number(readFileSync("/proc/sys/net/core/somaxconn", "utf8"));
    expect(Number(listening[2])).toBe(Math.min(LISTEN_BACKLOG, somaxconn));
  });

  it("`npm run start:web` exits with one clear line when its port is taken", async () => {
    const { createServer } = await import("node:net");
    const taken = createServer().listen(0, "0.0.0.0");
    await new Promise((resolve) => taken.once("listening", resolve));
    cleanups.push(() => new Promise((resolve) => taken.close(() => resolve())));
    const port = (taken.address() as { port: number }).port;
    const { code, output } = await runScript("start:web", { PORT: String(port), LOG_LEVEL: "error" });
    expect(code).toBe(1);
    expectOneClearLine(output, `Cannot listen on port ${port}`, "EADDRINUSE", "set PORT");
  });

  it("refuses to start on bad configuration, naming every bad variable", async () => {
    const { code, output } = await runScript("start:web", {
      PORT: "http",
      OPTION_A: " ",
      VOTE_RATE_LIMIT: "lots",
      REDIS_URL: "localhost:6379",
    });
    expect(code).toBe(1);
    for (const name of ["PORT", "OPTION_A", "VOTE_RATE_LIMIT", "REDIS_URL"]) expect(output).toContain(`${name} `);
    expect(output).not.toMatch(/^\s+at /m);
  });

  it("`npm run migrate` applies the migrations once; running it again changes nothing", async () => {
    const db = await database();
    const before = await db.sql`SELECT version FROM schema_migrations ORDER BY version`;
    const { code, output } = await runScript("migrate", { DATABASE_URL: db.url });
    expect(code).toBe(0);
    expect(output).not.toContain("Applying");
    expect(await db.sql`SELECT version FROM schema_migrations ORDER BY version`).toEqual(before);
  });

  it("fails readiness at once on SIGTERM, keeps serving through the drain delay, then exits cleanly", async () => {
    const db = await database();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const web = startEntry("web", {
      DATABASE_URL: db.url,
      REDIS_PREFIX: `${uniqueName("sigterm")}:`,
      PORT: String(port),
      SHUTDOWN_DELAY_MS: "1500",
    });
    cleanups.push(async () => {
      web.child.kill("SIGKILL");
      await web.exited;
    });
    await waitFor(async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.ok, "the web server");
    web.child.kill("SIGTERM");
    await waitFor(
      async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.status === 503,
      "readiness to fail",
    );
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(await web.exited).toBe(0);
  });

  it("stops the consumer cleanly on SIGTERM", async () => {
    const db = await database();
    const port = await freePort();
    const consumer = startEntry("consumer", {
      DATABASE_URL: db.url,
      REDIS_PREFIX: `${uniqueName("stop")}:`,
      PORT: String(port),
    });
    await waitFor(
      async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok,
      "the consumer to start",
    );
    consumer.child.kill("SIGTERM");
    expect(await consumer.exited).toBe(0);
  });
});
