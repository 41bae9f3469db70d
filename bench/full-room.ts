// A full room: a thousand open results pages on one web process, each polling
// the results fragment once a second as htmx does, half of them sending the
// ETag they last saw, all connecting at once, while votes flow. Used by the
// host section (`BENCH_ONLY=room`) and by the image's (`BENCH_ONLY=image`),
// where the web process is a container under the manifests' memory limit.
import { Agent, get } from "node:http";
import autocannon from "autocannon";
import type { BenchStore, Row } from "./lib.ts";
import { fmt, freePort, rssMiB, start, stop, waitUntil } from "./lib.ts";

export const ROOM = 1_000;
const SECONDS = 15;
/** The votes meanwhile: a busy poll, well inside one process's capacity. */
const VOTE_RATE = 1_000;
const P99_TARGET_MS = 250;
/** A poll not answered within this counts as a timeout (autocannon's default). */
const TIMEOUT_MS = 10_000;

export interface RoomFigures {
  requests: number;
  p50: number;
  p99: number;
  max: number;
  /** p99 of each page's first poll, when all connect at once. */
  firstP99: number;
  timeouts: number;
  errors: number;
  notModified: number;
  votes: number;
  voteErrors: number;
}

function run(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/** One answer a viewer got: how long it took, and its status (0: no answer within the timeout, or an error). */
interface Answer {
  ms: number;
  status: number;
  first: boolean;
}

/**
 * One open results page: its own keep-alive connection, a poll every second
 * (htmx's `every 1s`), and, when `conditional`, the ETag it last saw. The
 * load generator is plain node:http, one agent per viewer: autocannon's
 * per-connection rate reported a bare hello server's p99 at about a second
 * with a thousand connections, its own scheduling rather than the server's.
 */
async function viewer(url: URL, conditional: boolean, until: number, answers: Answer[]): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let etag = "";
  let polls = 0;
  try {
    while (performance.now() < until) {
      const sent = performance.now();
      const status = await new Promise<number>((resolve) => {
        const request = get(
          url,
          { agent, headers: { "hx-request": "true", ...(conditional && etag ? { "if-none-match": etag } : {}) } },
          (response) => {
            etag = String(response.headers.etag ?? etag);
            response.resume();
            response.on("end", () => resolve(response.statusCode ?? 0));
            response.on("error", () => resolve(0));
          },
        );
        request.setTimeout(TIMEOUT_MS, () => request.destroy());
        request.on("error", () => resolve(0));
      });
      answers.push({ ms: performance.now() - sent, status, first: polls++ === 0 });
      const wait = sent + 1_000 - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  } finally {
    agent.destroy();
  }
}

/** The room against `base`, the web process's address. */
export async function fullRoom(base: string): Promise<RoomFigures> {
  const url = new URL(`${base}/result/fragment`);
  const until = performance.now() + SECONDS * 1_000;
  const answers: Answer[] = [];
  const votes = run({
    url: `${base}/vote`,
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "vote=a",
    connections: 20,
    overallRate: VOTE_RATE,
    duration: SECONDS,
  });
  // All at once: every page opens its connection in the same instant.
  await Promise.all(Array.from({ length: ROOM }, (_, i) => viewer(url, i % 2 === 1, until, answers)));
  const voted = await votes;
  const sorted = (which: Answer[]) =>
    which
      .filter((a) => a.status !== 0)
      .map((a) => a.ms)
      .sort((x, y) => x - y);
  const at = (times: number[], q: number) =>
    Math.round(times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0);
  const times = sorted(answers);
  return {
    requests: answers.length,
    p50: at(times, 0.5),
    p99: at(times, 0.99),
    max: Math.round(times.at(-1) ?? 0),
    firstP99: at(sorted(answers.filter((a) => a.first)), 0.99),
    timeouts: answers.filter((a) => a.status === 0).length,
    errors: answers.filter((a) => a.status !== 0 && a.status !== 200 && a.status !== 304).length,
    notModified: answers.filter((a) => a.status === 304).length,
    votes: voted.requests.total,
    voteErrors: voted.errors + voted.non2xx + voted.timeouts,
  };
}

/** The room's rows: each figure beside its target. */
export function roomRows(where: string, room: RoomFigures, workingSet: { mib: number; what: string }): Row[] {
  return [
    [
      `full room (${where}): ${fmt(ROOM)} connections at once polling /result/fragment 1/s each, half with If-None-Match, ${fmt(VOTE_RATE)} votes/s, ${SECONDS} s`,
      `${fmt(room.requests)} polls (${fmt(room.notModified)} answered 304), ${room.timeouts} timeouts or resets, ${room.errors} errors; p50 ${room.p50} ms, p99 ${room.p99} ms, max ${room.max} ms (first polls, all connecting at once: p99 ${room.firstP99} ms)`,
      `0 timeouts, 0 errors, p99 <= ${P99_TARGET_MS} ms`,
      room.timeouts === 0 && room.errors === 0 && room.p99 <= P99_TARGET_MS,
    ],
    ["  votes meanwhile", `${fmt(room.votes)} answered, ${room.voteErrors} errors`, "0 errors", room.voteErrors === 0],
    [`  ${workingSet.what} after`, `${fmt(workingSet.mib, 1)} MiB`, "<= 100 MiB", workingSet.mib <= 100],
  ];
}

/** The room against the web process on this machine, as the image runs it (its flags and allocator). */
export async function measureRoom(store: BenchStore): Promise<Row[]> {
  const port = await freePort();
  const web = start(["dist/node/web.js"], { ...store.env, PORT: String(port) });
  const consumer = start(["dist/node/consumer.js"], { ...store.env, PORT: String(await freePort()) });
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitUntil(async () => (await fetch(`${base}/readyz`)).ok);
    const room = await fullRoom(base);
    return roomRows("the web process", room, { mib: rssMiB(web.pid!), what: "web process resident memory" });
  } finally {
    await stop(web);
    await stop(consumer);
  }
}
