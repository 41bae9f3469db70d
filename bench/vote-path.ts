// The vote path: POST /vote next to a bare Hono "hello" and the floor app
// (Hono + form + HINCRBY + XADD + a tiny page), all measured the same way in
// this run; a created poll next to the default poll; and the web process's
// memory after the load next to hello's.
import type { BenchStore, Row } from "./lib.ts";
import { errorsOf, fmt, formVotes, freePort, load, rssMiB, start, stop, waitUntil } from "./lib.ts";

export async function measureVotePath(store: BenchStore): Promise<Row[]> {
  const rows: Row[] = [];

  const helloPort = await freePort();
  const hello = start(["bench/hello-server.ts"], { PORT: String(helloPort) });
  await waitUntil(async () => (await fetch(`http://127.0.0.1:${helloPort}/hello`)).ok);
  const helloResult = await load(`http://127.0.0.1:${helloPort}/hello`);
  const helloRss = rssMiB(hello.pid!);
  await stop(hello);

  const floorPort = await freePort();
  const floor = start(["bench/floor-server.ts"], { PORT: String(floorPort), REDIS_PREFIX: store.prefix });
  await waitUntil(async () => (await fetch(`http://127.0.0.1:${floorPort}/vote`, formVotes[0])).ok);
  const floorResult = await load(`http://127.0.0.1:${floorPort}/vote`, { requests: formVotes });
  await stop(floor);

  const webPort = await freePort();
  // At the production log level: one access-log line per request.
  const web = start(["dist/node/web.js"], { ...store.env, PORT: String(webPort), LOG_LEVEL: "info" });
  const base = `http://127.0.0.1:${webPort}`;
  await waitUntil(async () => (await fetch(`${base}/readyz`)).ok);
  const voteResult = await load(`${base}/vote`, { requests: formVotes });
  const created = (await (
    await fetch(`${base}/api/polls`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ question: "Bench?", options: ["a", "b"] }),
    })
  ).json()) as { id: string };
  const pollResult = await load(`${base}/p/${created.id}/vote`, { requests: formVotes });
  const webRss = rssMiB(web.pid!);
  await stop(web);

  const share = voteResult.requests.average / floorResult.requests.average;
  const pollShare = pollResult.requests.average / voteResult.requests.average;
  rows.push(
    [
      "bare Hono hello req/s",
      `${fmt(helloResult.requests.average)}, p99 ${helloResult.latency.p99} ms`,
      "reference",
      null,
    ],
    [
      "floor app req/s (Hono, form, HINCRBY + XADD, tiny page)",
      `${fmt(floorResult.requests.average)}, p99 ${floorResult.latency.p99} ms`,
      "reference",
      null,
    ],
    [
      "POST /vote req/s (no cookie, full page, like ab)",
      `${fmt(voteResult.requests.average)} = ${fmt(share, 2)}x the floor`,
      ">= 0.8x the floor",
      share >= 0.8,
    ],
    ["POST /vote p99 latency", `${voteResult.latency.p99} ms`, "<= 20 ms", voteResult.latency.p99 <= 20],
    [
      "POST /vote errors",
      `${errorsOf(voteResult)} of ${fmt(voteResult.requests.total)}`,
      "0",
      errorsOf(voteResult) === 0,
    ],
    [
      "POST /p/:poll/vote req/s (a created poll)",
      `${fmt(pollResult.requests.average)} = ${fmt(pollShare * 100)}% of the default poll's, ${errorsOf(pollResult)} errors`,
      "within 10% of the default poll",
      pollShare >= 0.9 && errorsOf(pollResult) === 0,
    ],
    [
      "web process RSS after the vote load",
      `${fmt(webRss, 1)} MiB (bare hello after its load: ${fmt(helloRss, 1)} MiB)`,
      "< 128 MiB",
      webRss < 128,
    ],
  );
  return rows;
}
