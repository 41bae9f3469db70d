import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../src/node/migrations.ts";
import { type RunningApp, startWorkersTarget } from "../e2e/targets.ts";
import { type OwnPostgres, startOwnPostgres } from "../helpers/own-postgres.ts";
import { waitFor } from "../helpers/wait.ts";

/**
 * The web Worker under `npm run dev`: workerd as in production, where (unlike
 * the vitest pool, which turns cross-request promise handling off) a client's
 * disconnect cancels whatever its request started outside waitUntil.
 */
describe("the web Worker's results cache when the viewer who started a read goes away", () => {
  let pg: OwnPostgres;
  let app: RunningApp;

  beforeAll(async () => {
    pg = await startOwnPostgres();
    const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
    await migrate(sql, pg.url);
    await sql.end();
    app = await startWorkersTarget({ databaseUrl: pg.url });
  }, 120_000);
  afterAll(async () => {
    pg.thaw();
    await app.stop();
    await pg.stop();
  });

  it("never jams: the others get an answer at once, and fresh counts once the database answers", async () => {
    const created = await fetch(`${app.base}/api/polls`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ question: "Jam?", options: ["Yes", "No"] }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const results = `${app.base}/api/results?poll=${id}`;
    // The poll is in Upstash and its counts have never been read: the next read goes to the database.
    pg.freeze();
    const gone = new AbortController();
    const first = fetch(results, { signal: gone.signal }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 300));
    gone.abort();
    await first;
    const second = await fetch(results, { signal: AbortSignal.timeout(10_000) });
    expect(second.status).toBe(503);
    pg.thaw();
    const fresh = await waitFor(
      async () => {
        const response = await fetch(results, { signal: AbortSignal.timeout(10_000) });
        return response.ok && ((await response.json()) as { current: boolean; total: number });
      },
      "fresh counts after the database came back",
      20_000,
    );
    expect(fresh).toMatchObject({ current: true, total: 0 });
  });
});
