// The vote path: POST /vote next to a bare Hono "hello" and the floor app
// (Hono + form + HINCRBY + XADD + a tiny page), all measured the same way in
// this run; a created poll next to the default poll; and the web process's
// memory after the load next to hello's.

import { readFileSync } from "node:fs";
import type autocannon from "autocannon";
import type { BenchStore, Row } from "./lib.ts";
import { errorsOf, fmt, formVotes, freePort, load, rssMiB, SECONDS, start, stop, waitUntil } from "./lib.ts";

const ROUNDS = 3;
const ROUND_SECONDS = Math.max(2, Math.round(SECONDS / 2));

/** CPU seconds a process has used (user and system, all its threads), from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
/** /proc counts CPU time in clock ticks: 100 a second on Linux (getconf CLK_TCK). */
const CLOCK_TICKS = 100;

/** CPU seconds Redis has used (INFO cpu: user and system), wherever it runs. */
async function redisCpuSeconds(store: BenchStore): Promise<number> {
  const info = await store.redis.info("cpu");
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, "m").exec(info)?.[1] ?? 0);
  return field("used_cpu_user") + field("used_cpu_sys");
}

/** CPU microseconds per request answered: the server process's and Redis's. */
interface CpuRounds {
  server: number[];
  redis: number[];
}

/** Runs one load and records the CPU the server and Redis spent per request it answered. */
async function measureCpu(
  store: BenchStore,
  pid: number,
  into: CpuRounds,
  run: () => Promise<autocannon.Result>,
): Promise<autocannon.Result> {
  const [server, redis] = [cpuSeconds(pid), await redisCpuSeconds(store)];
  const result = await run();
  const perRequest = (seconds: number) => (seconds * 1e6) / result.requests.total;
  into.server.push(perRequest(cpuSeconds(pid) - server));
  into.redis.push(perRequest((await redisCpuSeconds(store)) - redis));
  return result;
}

const middle = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** The round with the median requests per second. */
function median(rounds: autocannon.Result[]): autocannon.Result {
  return [...rounds].sort((a, b) => a.requests.average - b.requests.average)[Math.floor(rounds.length / 2)]!;
}

export async function measureVotePath(store: BenchStore): Promise<Row[]> {
  const rows: Row[] = [];

  const helloPort = await freePort();
  const hello = start(["bench/hello-server.ts"], { PORT: String(helloPort) });
  await waitUntil(async () => (await fetch(`http://127.0.0.1:${helloPort}/hello`)).ok);
  const helloResult = await load(`http://127.0.0.1:${helloPort}/hello`);
  const helloRss = rssMiB(hello.pid!);
  await stop(hello);

  // The floor and POST /vote take turns, three rounds each, and each side's
  // figure is its median round: a machine that slows down for a while (a busy
  // neighbour on a VM) then weighs on both sides, not on whichever ran last.
  const floorPort = await freePort();
  const floor = start(["bench/floor-server.ts"], { PORT: String(floorPort), REDIS_PREFIX: store.prefix });
  const webPort = await freePort();
  // At the production log level: one access-log line per request.
  const web = start(["dist/node/web.js"], { ...store.env, PORT: String(webPort), LOG_LEVEL: "info" });
  const base = `http://127.0.0.1:${webPort}`;
  await waitUntil(async () => (await fetch(`http://127.0.0.1:${floorPort}/vote`, formVotes[0])).ok);
  await waitUntil(async () => (await fetch(`${base}/readyz`)).ok);
  const floorRounds: autocannon.Result[] = [];
  const voteRounds: autocannon.Result[] = [];
  const floorCpu: CpuRounds = { server: [], redis: [] };
  const voteCpu: CpuRounds = { server: [], redis: [] };
  const floorVote = () => load(`http://127.0.0.1:${floorPort}/vote`, { requests: formVotes }, false, ROUND_SECONDS);
  const webVote = () => load(`${base}/vote`, { requests: formVotes }, false, ROUND_SECONDS);
  // Warm-up, unmeasured: the JIT compiles both before the first round.
  await load(`http://127.0.0.1:${floorPort}/vote`, { requests: formVotes }, false, 2);
  await load(`${base}/vote`, { requests: formVotes }, false, 2);
  for (let round = 0; round < ROUNDS; round++) {
    floorRounds.push(await measureCpu(store, floor.pid!, floorCpu, floorVote));
    voteRounds.push(await measureCpu(store, web.pid!, voteCpu, webVote));
  }
  await stop(floor);
  const floorResult = median(floorRounds);
  const voteResult = median(voteRounds);
  const voteP99 = Math.max(...voteRounds.map((r) => r.latency.p99));
  const voteErrors = voteRounds.reduce((sum, r) => sum + errorsOf(r), 0);
  const voteTotal = voteRounds.reduce((sum, r) => sum + r.requests.total, 0);
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
      `floor app req/s (Hono, form, HINCRBY + XADD, tiny page; median of ${ROUNDS} rounds of ${ROUND_SECONDS} s)`,
      `${fmt(floorResult.requests.average)}, p99 ${floorResult.latency.p99} ms`,
      "reference",
      null,
    ],
    [
      `POST /vote req/s (no cookie, full page, like ab; median of ${ROUNDS} rounds, between the floor's)`,
      `${fmt(voteResult.requests.average)} = ${fmt(share, 2)}x the floor`,
      ">= 0.8x the floor",
      share >= 0.8,
    ],
    [
      "CPU per request, the server process + Redis (median rounds)",
      `floor ${fmt(middle(floorCpu.server))} + ${fmt(middle(floorCpu.redis))} µs, POST /vote ${fmt(middle(voteCpu.server))} + ${fmt(middle(voteCpu.redis))} µs`,
      "reference",
      null,
    ],
    ["POST /vote p99 latency (worst round)", `${voteP99} ms`, "<= 20 ms", voteP99 <= 20],
    ["POST /vote errors", `${voteErrors} of ${fmt(voteTotal)}`, "0", voteErrors === 0],
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
