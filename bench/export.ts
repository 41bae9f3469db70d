// The ballots export of a poll with a million voters: how long it takes and
// what it costs the web process in memory while it streams.
import type { BenchStore, Row } from "./lib.ts";
import { fmt, freePort, rssMiB, start, stop, waitUntil } from "./lib.ts";

const BALLOTS = Number(process.env.BENCH_EXPORT_BALLOTS ?? 1_000_000);
/** The web process may grow by at most this while it exports, whatever the poll's size. */
const GROWTH_LIMIT_MIB = 32;

export async function measureExport(store: BenchStore): Promise<Row[]> {
  const { sql } = store;
  const webPort = await freePort();
  const web = start(["dist/node/web.js"], { ...store.env, PORT: String(webPort) });
  const base = `http://127.0.0.1:${webPort}`;
  await waitUntil(async () => (await fetch(`${base}/readyz`)).ok);
  try {
    const created = await fetch(`${base}/api/polls`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ question: "Export?", options: ["Yes", "No", "Maybe"] }),
    });
    const { id, manageToken } = (await created.json()) as { id: string; manageToken: string };
    await sql`
      INSERT INTO votes (poll_id, voter_id, choices, version, cast_at)
      SELECT ${id}, gen_random_uuid()::text, ARRAY[(ARRAY['a', 'b', 'c'])[1 + n % 3]], 1, now() - n * interval '1 ms'
      FROM generate_series(1, ${BALLOTS}) AS n`;
    await sql`VACUUM ANALYZE votes`;

    const pid = web.pid as number;
    const idle = rssMiB(pid);
    let peak = idle;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssMiB(pid));
    }, 20);
    const started = performance.now();
    let lines = 0;
    let bytes = 0;
    let firstByteMs = 0;
    let failure: string | undefined;
    try {
      const response = await fetch(`${base}/api/polls/${id}/ballots.csv`, {
        headers: { Authorization: `Bearer ${manageToken}` },
      });
      if (!response.ok || !response.body) throw new Error(`ballots.csv answered ${response.status}`);
      const reader = response.body.getReader();
      for (let read = await reader.read(); !read.done; read = await reader.read()) {
        const chunk = read.value;
        if (bytes === 0) firstByteMs = performance.now() - started;
        bytes += chunk.byteLength;
        for (const byte of chunk) if (byte === 10) lines++;
      }
    } catch (error) {
      failure = `${(error as Error).message}${web.exitCode !== null || web.signalCode ? ` (the web process died: ${web.signalCode ?? `exit ${web.exitCode}`})` : ""}`;
    } finally {
      clearInterval(sampler);
    }
    if (failure)
      return [[`ballots.csv of ${fmt(BALLOTS)} voters`, `failed: ${failure}`, "every ballot, one row each", false]];
    const seconds = (performance.now() - started) / 1000;
    const growth = peak - idle;
    return [
      [
        `ballots.csv of ${fmt(BALLOTS)} voters`,
        `${fmt(seconds, 1)} s (${fmt(lines - 1)} rows, ${fmt(bytes / 1024 / 1024, 1)} MiB; first byte after ${fmt(firstByteMs)} ms)`,
        "every ballot, one row each",
        lines - 1 === BALLOTS,
      ],
      [
        "  web process memory while it exports",
        `+${fmt(growth, 1)} MiB (${fmt(idle, 1)} → peak ${fmt(peak, 1)} MiB resident)`,
        `≤ +${GROWTH_LIMIT_MIB} MiB, whatever the poll's size`,
        growth <= GROWTH_LIMIT_MIB,
      ],
    ];
  } finally {
    await stop(web);
  }
}
