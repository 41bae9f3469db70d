// Freshness: the time from a vote's answer to the vote showing in
// /api/results. A new probe voter votes on a quiet poll every 200 ms while a
// steady load votes on the default poll; each probe vote is timed until the
// results count it (they are read every 20 ms). The web and consumer
// processes run as the container runs them.
import autocannon from "autocannon";
import type { BenchStore, Row } from "./lib.ts";
import { fmt, formVotes, freePort, start, stop, waitUntil } from "./lib.ts";

const PROBES = Number(process.env.BENCH_PROBES ?? 100);
/** The load's rate: well inside what one web process takes on this machine class (see the vote-path rows). */
const LOAD_RATE = 4_000;

/** A probe's figures against the app at `base`: every delay from a probe's 202 to the results counting it. */
export async function probeFreshness(
  base: string,
  loadRate: number,
): Promise<{ p50: number; p99: number; loadRate: number; loadErrors: number }> {
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
      { url: `${base}/vote`, connections: 20, overallRate: loadRate, duration: 120, requests: formVotes },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
  // The probes keep their own cadence, one every 200 ms whatever the results
  // show, so they land at every point of the cache's cycle. A reader polls
  // the results every 20 ms and notes when the participants reach each count.
  const answeredAt: number[] = [];
  const seenAt: number[] = [];
  let reading = true;
  const reader = (async () => {
    while (reading) {
      const results = (await (await fetch(`${base}/api/results?poll=${id}`)).json()) as { participants: number };
      const at = performance.now();
      for (let n = seenAt.length + 1; n <= results.participants; n++) seenAt[n - 1] = at;
      if (seenAt.length >= PROBES) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const firstAt = performance.now();
  const votes: Promise<void>[] = [];
  for (let probe = 1; probe <= PROBES; probe++) {
    const due = firstAt + (probe - 1) * 200 - performance.now();
    if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
    // A new voter each time: the participants grow by one per probe.
    votes.push(
      fetch(`${base}/api/votes`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ poll: id, vote: probe % 2 === 0 ? "a" : "b" }),
      }).then((voted) => {
        answeredAt.push(performance.now());
        if (voted.status !== 202) throw new Error(`probe vote refused: ${voted.status}`);
      }),
    );
  }
  await Promise.all(votes);
  await Promise.race([reader, new Promise((resolve) => setTimeout(resolve, 30_000))]);
  reading = false;
  if (seenAt.length < PROBES) throw new Error(`only ${seenAt.length} of ${PROBES} probe votes were counted`);
  // The n-th answer against the n-th count: probes 200 ms apart are counted in the order they were answered.
  answeredAt.sort((x, y) => x - y);
  const delays = seenAt.map((seen, n) => seen - answeredAt[n]!);
  load?.stop();
  const result = await loaded;
  delays.sort((x, y) => x - y);
  const at = (q: number) => delays[Math.min(delays.length - 1, Math.floor(q * delays.length))]!;
  return {
    p50: at(0.5),
    p99: at(0.99),
    loadRate: result.requests.average,
    loadErrors: result.non2xx + result.errors + result.timeouts,
  };
}

export async function measureFreshness(store: BenchStore): Promise<Row[]> {
  const webPort = await freePort();
  const base = `http://127.0.0.1:${webPort}`;
  const web = start(["dist/node/web.js"], { ...store.env, PORT: String(webPort) });
  const consumer = start(["dist/node/consumer.js"], { ...store.env, PORT: String(await freePort()) });
  try {
    await waitUntil(async () => (await fetch(`${base}/readyz`)).ok);
    const fresh = await probeFreshness(base, LOAD_RATE);
    return [
      [
        `freshness, Node: a probe vote's 202 to /api/results counting it (${PROBES} probes, ${fmt(LOAD_RATE)} votes/s elsewhere)`,
        `p50 ${fmt(fresh.p50)} ms, p99 ${fmt(fresh.p99)} ms (load: ${fmt(fresh.loadRate)} req/s, ${fresh.loadErrors} errors)`,
        "p99 <= 1,000 ms",
        fresh.p99 <= 1_000,
      ],
    ];
  } finally {
    await stop(web);
    await stop(consumer);
  }
}
