import { afterEach, describe, expect, it } from "vitest";
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

  it.each(["start:web", "start:consumer", "migrate"])(
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
    const { code, output } = await runScript("start:web", { DATABASE_URL: url });
    expect(code).toBe(1);
    expectOneClearLine(output, "npm run migrate");
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
