// Freshness: the time from a vote's answer to the vote showing in
// /api/results. A probe voter votes on a quiet poll every 200 ms while a
// steady load votes on the default poll; each probe vote is timed until the
// results count it (they are read every 20 ms). The web and consumer
// processes run as the container runs them.
import autocannon from "autocannon";
import type { BenchStore, Row } from "./lib.ts";
import { fmt, formVotes, freePort, start, stop, waitUntil } from "./lib.ts";

const PROBES = 40;
/** The load's rate: well inside what one web process takes on this machine class (see the vote-path rows). */
const LOAD_RATE = 4_000;

export async function measureFreshness(store: BenchStore): Promise<Row[]> {
  const webPort = await freePort();
  const base = `http://127.0.0.1:${webPort}`;
  const web = start(["dist/node/web.js"], { ...store.env, PORT: String(webPort) });
  const consumer = start(["dist/node/consumer.js"], { ...store.env, PORT: String(await freePort()) });
  try {
    await waitUntil(async () => (await fetch(`${base}/readyz`)).ok);
    const created = await fetch(`${base}/api/polls`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ question: "Fresh?", options: ["a", "b"] }),
    });
    const { id } = (await created.json()) as { id: string };
    let load: autocannon.Instance | undefined;
    const loaded = new Promise<autocannon.Result>((resolve, reject) => {
      load = autocannon(
        // Longer than the probes can take: stopped when they are done.
        { url: `${base}/vote`, connections: 20, overallRate: LOAD_RATE, duration: 120, requests: formVotes },
        (error, result) => (error ? reject(error) : resolve(result)),
      );
    });
    const delays: number[] = [];
    for (let probe = 1; probe <= PROBES; probe++) {
      const started = performance.now();
      // A new voter each time: the participants grow by one per probe.
      const voted = await fetch(`${base}/api/votes`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ poll: id, vote: probe % 2 === 0 ? "a" : "b" }),
      });
      const answered = performance.now();
      if (voted.status !== 202) throw new Error(`probe vote refused: ${voted.status}`);
      await waitUntil(
        async () => {
          const results = (await (await fetch(`${base}/api/results?poll=${id}`)).json()) as { participants: number };
          return results.participants >= probe;
        },
        30_000,
        20,
      );
      delays.push(performance.now() - answered);
      const wait = 200 - (performance.now() - started);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    load?.stop();
    const result = await loaded;
    delays.sort((x, y) => x - y);
    const at = (q: number) => delays[Math.min(delays.length - 1, Math.floor(q * delays.length))]!;
    return [
      [
        `freshness, Node: a probe vote's 202 to /api/results counting it (${PROBES} probes, ${fmt(LOAD_RATE)} votes/s elsewhere)`,
        `p50 ${fmt(at(0.5))} ms, p99 ${fmt(at(0.99))} ms (load: ${fmt(result.requests.average)} req/s, ${result.non2xx + result.errors} errors)`,
        "p99 <= 1,000 ms",
        at(0.99) <= 1_000,
      ],
    ];
  } finally {
    await stop(web);
    await stop(consumer);
  }
}
