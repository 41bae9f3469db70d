import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CookieJar } from "../helpers/cookie-jar.ts";
import { freePort } from "../helpers/ports.ts";
import { type Started, startEntry } from "../helpers/processes.ts";
import {
  createTestDatabase,
  createTestRedis,
  POSTGRES_ADMIN_URL,
  type TestDatabase,
  type TestRedis,
  waitFor,
} from "../helpers/services.ts";

type Results = { current: boolean; total: number; options: { id: string; votes: number }[] };

describe("the Node processes while PostgreSQL is away", () => {
  let db: TestDatabase;
  let redis: TestRedis;
  let web: Started;
  let consumer: Started;
  let base: string;
  const admin = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {} });

  beforeAll(async () => {
    [db, redis] = await Promise.all([createTestDatabase(), createTestRedis()]);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env = { DATABASE_URL: db.url, REDIS_PREFIX: redis.prefix, LOG_LEVEL: "error" };
    web = startEntry("web", { ...env, PORT: String(port) });
    consumer = startEntry("consumer", { ...env, PORT: "0", CONSUMER_CLAIM_IDLE_MS: "1000" });
    await waitFor(async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.ok, "the web server");
  });
  afterAll(async () => {
    await admin.unsafe(`ALTER DATABASE ${db.name} WITH ALLOW_CONNECTIONS true`);
    for (const process of [web, consumer]) process.child.kill("SIGTERM");
    await Promise.all([web.exited, consumer.exited]);
    await admin.end();
    await Promise.all([db.drop(), redis.cleanup()]);
  });

  const vote = async (jar: CookieJar, choice: string) => {
    const response = await fetch(`${base}/vote`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: jar.header() },
      body: `vote=${choice}`,
    });
    jar.take(response);
    return response.status;
  };
  const results = async () => (await (await fetch(`${base}/api/results`)).json()) as Results;
  const counts = (r: Results) => Object.fromEntries(r.options.map((o) => [o.id, o.votes]));

  it("keeps taking votes, stays ready, shows the last counts marked as not current, and loses nothing", async () => {
    const voters = Array.from({ length: 6 }, () => new CookieJar());
    for (const jar of voters.slice(0, 2)) expect(await vote(jar, "a")).toBe(200);
    await waitFor(async () => (await results()).total === 2, "the first votes to be counted");

    // PostgreSQL refuses every connection and drops the open ones.
    await admin.unsafe(`ALTER DATABASE ${db.name} WITH ALLOW_CONNECTIONS false`);
    await admin.unsafe(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${db.name}'`);
    await waitFor(async () => (await results()).current === false, "results to be marked as not current");

    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: "ready",
      checks: { redis: "ok", schema: "ok", postgres: "unreachable" },
    });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^vote_dependency_up\{dependency="postgres"[^}]*\} 0$/m);

    for (const jar of voters) expect(await vote(jar, "b")).toBe(200);
    const stale = await results();
    expect(stale).toMatchObject({ current: false, total: 2 });
    expect(counts(stale)).toEqual({ a: 2, b: 0 });
    for (const path of ["/result", "/result/fragment"]) {
      const page = await fetch(`${base}${path}`);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/the database isn(&#39;|')t answering right now/);
    }

    await admin.unsafe(`ALTER DATABASE ${db.name} WITH ALLOW_CONNECTIONS true`);
    await waitFor(
      async () => {
        const now = await results();
        return now.current && now.total === 6 && counts(now).b === 6;
      },
      "every vote cast during the outage to be counted",
      60_000,
    );
    const fragment = await (await fetch(`${base}/result/fragment`)).text();
    expect(fragment).not.toContain('class="stale"');
  });
});
