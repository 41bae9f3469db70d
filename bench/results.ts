// Results: the read's cost with a thousand votes or a million, with ten
// thousand polls, under a thousand pollers (and how many of their polls reach
// PostgreSQL), and the web process's memory with ten thousand polls cached.
import autocannon from "autocannon";
import { pollHashKey } from "../src/redis/keys.ts";
import type { BenchStore, Row } from "./lib.ts";
import { CONTAINER_LIMIT_MIB, errorsOf, fmt, freePort, load, rssMiB, SECONDS, start, stop, waitUntil } from "./lib.ts";

const POLLS = 10_000;
const POLLERS = 1_000;

export async function measureResults(store: BenchStore): Promise<Row[]> {
  const { sql } = store;
  const rows: Row[] = [];
  const webPort = await freePort();
  const web = start(["dist/node/web.js"], { ...store.env, PORT: String(webPort) });
  const base = `http://127.0.0.1:${webPort}`;
  await waitUntil(async () => (await fetch(`${base}/readyz`)).ok);
  try {
    // 1. The same read with 1,000 and with 1,000,000 votes stored.
    const resultsAt = async (votes: number) => {
      await sql`TRUNCATE votes, tallies, participants`;
      await sql`
        INSERT INTO votes (poll_id, voter_id, choices, version, cast_at)
        SELECT 'default', gen_random_uuid()::text, ARRAY[CASE WHEN n % 3 = 0 THEN 'b' ELSE 'a' END], 1, now()
        FROM generate_series(1, ${votes}) AS n`;
      await sql`VACUUM ANALYZE votes, tallies`;
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const http = await load(`${base}/api/results`, { duration: Math.max(3, SECONDS / 2) });
      // The query itself, uncached: what the claim is about (HTTP mostly measures the machine).
      const direct: number[] = [];
      for (let i = 0; i < 2_000; i++) {
        const started = performance.now();
        await sql`SELECT option_id, votes, now() FROM tallies WHERE poll_id = 'default'`;
        direct.push(performance.now() - started);
      }
      direct.sort((x, y) => x - y);
      return { ...http, queryP50: direct[1_000] ?? 0 };
    };
    const small = await resultsAt(1_000);
    const large = await resultsAt(1_000_000);
    const within = (x: number, y: number) => Math.abs(x - y) / Math.max(x, y, 1e-9) <= 0.2;
    rows.push(
      [
        "the tally query, uncached, p50, 1k vs 1M votes",
        `${fmt(small.queryP50, 3)} ms vs ${fmt(large.queryP50, 3)} ms`,
        "within 20%",
        within(small.queryP50, large.queryP50),
      ],
      [
        "  GET /api/results mean latency, 1k vs 1M votes",
        `${fmt(small.latency.average, 2)} ms vs ${fmt(large.latency.average, 2)} ms`,
        "(cached 1 s: the machine's noise)",
        null,
      ],
    );

    // 2. A thousand pollers on the fragment, as a thousand open results pages; how many reads reach PostgreSQL.
    const transactions = async () =>
      Number(
        (
          await sql<{ n: string }[]>`SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()`
        )[0]?.n,
      );
    const before = await transactions();
    const started = performance.now();
    const pollers = await autocannon({
      url: `${base}/result/fragment`,
      connections: POLLERS,
      duration: SECONDS,
      headers: { "hx-request": "true" },
    });
    const seconds = (performance.now() - started) / 1000;
    // Our own two statements (the counter reads) are in the difference too.
    const perSecond = (((await transactions()) - before - 2) / seconds).toFixed(1);
    rows.push(
      [
        `${fmt(POLLERS)} pollers on /result/fragment`,
        `${fmt(pollers.requests.average)} req/s, mean ${fmt(pollers.latency.average, 1)} ms, p99 ${pollers.latency.p99} ms, ${errorsOf(pollers)} errors`,
        "",
        null,
      ],
      ["  PostgreSQL transactions per second meanwhile", perSecond, "<= 1 per process", Number(perSecond) <= 1.2],
    );
    const first = await fetch(`${base}/result/fragment`);
    const etag = first.headers.get("etag") ?? "";
    const unchanged = await autocannon({
      url: `${base}/result/fragment`,
      connections: POLLERS,
      duration: Math.max(3, SECONDS / 2),
      headers: { "hx-request": "true", "if-none-match": etag },
    });
    rows.push([
      "  the same, the browser's If-None-Match (304s)",
      `${fmt(unchanged.requests.average)} req/s, mean ${fmt(unchanged.latency.average, 1)} ms, ${fmt(unchanged["3xx"])} answered 304`,
      "",
      null,
    ]);

    // 3. Ten thousand polls: results of any of them, and memory once all are cached.
    await sql`
      INSERT INTO polls (id, question, options)
      SELECT 'bench' || lpad(n::text, 7, '0'), 'Question ' || n,
             '[{"id": "a", "label": "Yes"}, {"id": "b", "label": "No"}, {"id": "c", "label": "Maybe"}]'::jsonb
      FROM generate_series(1, ${POLLS}) AS n`;
    const ids = Array.from({ length: POLLS }, (_, i) => `bench${String(i + 1).padStart(7, "0")}`);
    for (let from = 0; from < POLLS; from += 1_000) {
      const multi = store.redis.multi();
      for (const id of ids.slice(from, from + 1_000)) {
        multi.hSet(pollHashKey(store.prefix, id), {
          question: `Question ${id}`,
          options: '[{"id":"a","label":"Yes"},{"id":"b","label":"No"},{"id":"c","label":"Maybe"}]',
          status: "open",
        });
      }
      await multi.execAsPipeline();
    }
    const many = await load(`${base}/api/results`, {
      requests: ids.slice(0, 2_000).map((id) => ({ method: "GET" as const, path: `/api/results?poll=${id}` })),
    });
    rows.push([
      `GET /api/results?poll= across ${fmt(POLLS)} polls`,
      `mean ${fmt(many.latency.average, 2)} ms (${fmt(many.requests.average)} req/s; default poll with 1M votes: ${fmt(large.latency.average, 2)} ms), ${errorsOf(many)} errors`,
      "same cost as one poll",
      within(many.latency.average, large.latency.average) || many.latency.average <= large.latency.average,
    ]);
    const rssBefore = rssMiB(web.pid!);
    for (let from = 0; from < POLLS; from += 100) {
      await Promise.all(ids.slice(from, from + 100).map((id) => fetch(`${base}/api/results?poll=${id}`)));
    }
    const rss = rssMiB(web.pid!);
    // What the polls cost. The process as a whole still holds what the thousand
    // pollers' connections left behind, garbage until V8's next full collection.
    const budget = CONTAINER_LIMIT_MIB / 10;
    rows.push([
      `web process RSS with all ${fmt(POLLS)} polls cached`,
      `+${fmt(rss - rssBefore, 1)} MiB for the polls: ${fmt(rssBefore, 1)} -> ${fmt(rss, 1)} MiB (after the ${fmt(POLLERS)} pollers)`,
      `the polls < ${fmt(budget, 1)} MiB (10% of the ${CONTAINER_LIMIT_MIB} MiB limit)`,
      rss - rssBefore < budget,
    ]);
  } finally {
    await stop(web);
  }
  return rows;
}
