// A full room: a thousand open results pages on one web process, each polling
// the results fragment once a second as htmx does, half of them sending the
// ETag they last saw, all connecting at once, while votes flow (the client:
// test/helpers/room.ts). The host section is `BENCH_ONLY=room`; the image's
// section (`BENCH_ONLY=image`) runs it against the web container under the
// manifests' memory limit.
import { fullRoom, ROOM, type RoomFigures, SECONDS, VOTE_RATE } from "../test/helpers/room.ts";
import type { BenchStore, Row } from "./lib.ts";
import { fmt, freePort, rssMiB, start, stop, waitUntil } from "./lib.ts";

const P99_TARGET_MS = 250;

/**
 * The room's rows, each figure beside its target. `hello`: the same client's
 * first polls against a bare Hono hello server in the same run, the part of
 * the connect-at-once figure that is this machine (client and server share
 * its cores).
 */
export function roomRows(
  where: string,
  room: RoomFigures,
  hello: RoomFigures,
  workingSet: { mib: number; what: string; target: boolean },
): Row[] {
  return [
    [
      `full room (${where}): ${fmt(ROOM)} pages polling /result/fragment 1/s each, half with If-None-Match, ${fmt(VOTE_RATE)} votes/s, ${SECONDS} s`,
      `${fmt(room.requests)} polls (${fmt(room.notModified)} answered 304), ${room.timeouts} timeouts or resets, ${room.errors} errors; after the first: p50 ${room.p50} ms, p99 ${room.p99} ms, max ${room.max} ms`,
      `0 timeouts, 0 errors, p99 <= ${P99_TARGET_MS} ms`,
      room.timeouts === 0 && room.errors === 0 && room.p99 <= P99_TARGET_MS,
    ],
    [
      "  each page's first poll, all connecting at once",
      `p99 ${room.firstP99} ms (a bare hello server, same client: p99 ${hello.firstP99} ms)`,
      "(the machine's share: beside hello)",
      null,
    ],
    ["  votes meanwhile", `${fmt(room.votes)} answered, ${room.voteErrors} errors`, "0 errors", room.voteErrors === 0],
    [
      `  ${workingSet.what} after`,
      `${fmt(workingSet.mib, 1)} MiB`,
      workingSet.target ? "<= 100 MiB" : "(the container's working set is the target: BENCH_ONLY=image)",
      workingSet.target ? workingSet.mib <= 100 : null,
    ],
  ];
}

/** The connect-at-once reference: the room's client against a bare hello server, for a few seconds. */
export async function helloRoom(): Promise<RoomFigures> {
  const port = await freePort();
  const hello = start(["bench/hello-server.ts"], { PORT: String(port) });
  try {
    await waitUntil(async () => (await fetch(`http://127.0.0.1:${port}/hello`)).ok);
    return await fullRoom(`http://127.0.0.1:${port}`, 3, "/hello");
  } finally {
    await stop(hello);
  }
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
    const mib = rssMiB(web.pid!);
    return roomRows("the web process", room, await helloRoom(), {
      mib,
      what: "web process resident memory (with node's own file pages)",
      target: false,
    });
  } finally {
    await stop(web);
    await stop(consumer);
  }
}

/** The room against the web container (bench/container.ts), its working set against the target. */
export async function containerRoom(base: string, workingSetMiB: () => Promise<number>): Promise<Row[]> {
  const room = await fullRoom(base);
  const mib = await workingSetMiB();
  return roomRows("the web container under its manifest limit", room, await helloRoom(), {
    mib,
    what: "web container working set",
    target: true,
  });
}
