// A room of open results pages for the container test and the bench
// (bench/full-room.ts): many pages, each polling the results fragment once a
// second as htmx does, half of them sending the ETag they last saw, all
// connecting at once, while votes flow.
import { Agent, get } from "node:http";
import autocannon from "autocannon";

export const ROOM = 1_000;
export const SECONDS = 15;
/** The votes meanwhile: a busy poll, well inside one process's capacity. */
export const VOTE_RATE = 1_000;
/** A poll not answered within this counts as a timeout (autocannon's default). */
const TIMEOUT_MS = 10_000;

export interface RoomFigures {
  requests: number;
  p50: number;
  p99: number;
  max: number;
  /** p99 of each page's first poll, all connecting at once (the other figures leave these out). */
  firstP99: number;
  timeouts: number;
  errors: number;
  notModified: number;
  votes: number;
  voteErrors: number;
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
export async function fullRoom(base: string, seconds = SECONDS, path = "/result/fragment"): Promise<RoomFigures> {
  const url = new URL(`${base}${path}`);
  const until = performance.now() + seconds * 1_000;
  const answers: Answer[] = [];
  const votes = autocannon({
    url: `${base}/vote`,
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "vote=a",
    connections: 20,
    overallRate: VOTE_RATE,
    duration: seconds,
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
  // The steady room: every poll after each page's first (those all connect at once, reported apart).
  const times = sorted(answers.filter((a) => !a.first));
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
