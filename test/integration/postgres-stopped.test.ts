import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../src/node/migrations.ts";
import { CookieJar } from "../helpers/cookie-jar.ts";
import { type OwnPostgres, startOwnPostgres } from "../helpers/own-postgres.ts";
import { freePort } from "../helpers/ports.ts";
import { type Started, startEntry } from "../helpers/processes.ts";
import { createTestRedis, type TestRedis, waitFor } from "../helpers/services.ts";

type Results = { current: boolean; total: number; options: { id: string; votes: number }[] };

/**
 * A generous bound, far above the 500 ms the results promise (measured by
 * `npm run bench`) and far below the connect and statement timeouts a read
 * waited out before: a test never fails because the machine is slow.
 */
const PROMPT_MS = 3_000;

describe("the Node processes while PostgreSQL is stopped (every connection hangs)", () => {
  let pg: OwnPostgres;
  let redis: TestRedis;
  let web: Started;
  let consumer: Started;
  let base: string;

  beforeAll(async () => {
    [pg, redis] = await Promise.all([startOwnPostgres(), createTestRedis()]);
    const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
    await migrate(sql, pg.url);
    await sql.end();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env = { DATABASE_URL: pg.url, REDIS_PREFIX: redis.prefix, LOG_LEVEL: "error" };
    web = startEntry("web", { ...env, PORT: String(port) });
    consumer = startEntry("consumer", { ...env, PORT: "0", CONSUMER_CLAIM_IDLE_MS: "1000" });
    await waitFor(async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.ok, "the web server");
  });
  afterAll(async () => {
    pg.thaw();
    for (const process of [web, consumer]) process.child.kill("SIGKILL");
    await Promise.all([web.exited, consumer.exited]);
    await Promise.all([pg.stop(), redis.cleanup()]);
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
  const results = async (path = "/api/results") =>
    (await (await fetch(`${base}${path}`, { signal: AbortSignal.timeout(PROMPT_MS) })).json()) as Results;
  const counts = (r: Results) => Object.fromEntries(r.options.map((o) => [o.id, o.votes]));

  it("answers results promptly from the last counts, marked not current, and catches up once it runs again", async () => {
    const voters = Array.from({ length: 4 }, () => new CookieJar());
    for (const jar of voters.slice(0, 2)) expect(await vote(jar, "a")).toBe(200);
    await waitFor(async () => (await results()).total === 2, "the first votes to be counted");

    pg.freeze();
    // Votes need Redis alone; results come from the last counts, at once, however often they're asked.
    for (const jar of voters.slice(2)) expect(await vote(jar, "b")).toBe(200);
    // Past the one-second results cache, every answer still comes at once (or the fetch aborts).
    const stale = await waitFor(async () => {
      const now = await results();
      return !now.current && now;
    }, "the results to say they are not current");
    expect(counts(stale)).toEqual({ a: 2, b: 0 });
    for (let i = 0; i < 5; i++) expect((await results()).current).toBe(false);
    const page = await fetch(`${base}/result`, { signal: AbortSignal.timeout(PROMPT_MS) });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("These are the last counts that could be read");
    expect((await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(PROMPT_MS) })).status).toBe(200);

    pg.thaw();
    await waitFor(async () => {
      const now = await results();
      return now.current && now.total === 4 && counts(now).b === 2;
    }, "the counts to catch up");
  });
});
