// The Workers target after a database outage: votes keep coming for
// OUTAGE_SECONDS while PostgreSQL refuses every connection, then the time
// from its return until every vote is in the counts. Under `npm run dev`
// (wrangler dev: the real consumer code and the local queue).
import postgres from "postgres";
import { migrate } from "../src/node/migrations.ts";
import { startWorkersTarget } from "../test/e2e/targets.ts";
import { startOwnPostgres } from "../test/helpers/own-postgres.ts";
import { fmt, type Row } from "./lib.ts";

const OUTAGE_SECONDS = Number(process.env.BENCH_OUTAGE_SECONDS ?? 100);
const TARGET_SECONDS = 60;

export async function measureWorkersRecovery(): Promise<Row[]> {
  const pg = await startOwnPostgres();
  try {
    const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
    await migrate(sql, pg.url);
    await sql.end();
    const app = await startWorkersTarget({ databaseUrl: pg.url });
    try {
      const vote = async () => {
        // A new voter each time: no cookie.
        const response = await fetch(`${app.base}/vote`, {
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded" },
          body: "vote=a",
        });
        if (!response.ok) throw new Error(`a vote answered ${response.status}`);
      };
      const counted = async () => {
        const response = await fetch(`${app.base}/api/results`).catch(() => undefined);
        if (!response?.ok) return -1;
        const results = (await response.json()) as { total: number; current: boolean };
        return results.current ? results.total : -1;
      };
      for (let i = 0; i < 10; i++) await vote();
      while ((await counted()) !== 10) await new Promise((resolve) => setTimeout(resolve, 500));

      pg.down();
      const outageEnds = Date.now() + OUTAGE_SECONDS * 1000;
      let cast = 10;
      while (Date.now() < outageEnds) {
        await vote();
        cast++;
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
      pg.up();
      const back = performance.now();
      const limit = back + 10 * 60 * 1000;
      while ((await counted()) !== cast && performance.now() < limit) {
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const whole = (await counted()) === cast;
      const seconds = (performance.now() - back) / 1000;
      return [
        [
          `Workers: counts whole after a ${OUTAGE_SECONDS} s database outage (${cast - 10} votes during it)`,
          whole ? `${fmt(seconds, 1)} s after the database returned` : `not whole after ${fmt(seconds)} s`,
          `≤ ${TARGET_SECONDS} s, no vote lost`,
          whole && seconds <= TARGET_SECONDS,
        ],
      ];
    } finally {
      await app.stop();
    }
  } finally {
    await pg.stop();
  }
}
