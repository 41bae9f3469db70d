// The consumer: a stream filled with votes (voters who change their minds),
// drained into PostgreSQL by the consumer process, as the container runs it.
import { randomUUID } from "node:crypto";
import { streamNames } from "../src/redis/keys.ts";
import type { BenchStore, Row } from "./lib.ts";
import { fmt, freePort, start, stop, waitUntil } from "./lib.ts";

const PREFILL = Number(process.env.BENCH_PREFILL ?? 200_000);

/** Fills `stream` with `count` ballots: `perVoter` versions of each of count/perVoter voters. */
async function fill(store: BenchStore, stream: string, count: number, perVoter: number): Promise<void> {
  const voters = Array.from({ length: count / perVoter }, () => randomUUID());
  const castAt = new Date().toISOString();
  for (let from = 0; from < count; from += 10_000) {
    const multi = store.redis.multi();
    for (let i = from; i < Math.min(from + 10_000, count); i++) {
      const voter = voters[i % voters.length]!;
      const version = Math.floor(i / voters.length) + 1;
      const ballot = { poll: "default", voter, choice: i % 3 === 0 ? "b" : "a", version, castAt };
      multi.xAdd(stream, "*", { ballot: JSON.stringify(ballot) });
    }
    await multi.execAsPipeline();
  }
}

/** Seconds from the first entry taken to the stream's end, and the entries taken meanwhile. */
async function drain(store: BenchStore, stream: string, filled: number): Promise<{ seconds: number; entries: number }> {
  let startedAt = 0;
  let startLength = filled;
  await waitUntil(
    async () => {
      const length = await store.redis.xLen(stream);
      if (startedAt === 0 && length < filled) {
        startedAt = performance.now();
        startLength = length;
      }
      return length === 0;
    },
    300_000,
    5,
  );
  return { seconds: (performance.now() - startedAt) / 1000, entries: startLength };
}

/** The consumer process over a stream of `perVoter` ballots per voter: ballots per second, and the invariant after. */
async function consumerRun(store: BenchStore, perVoter: number) {
  const { redis, sql } = store;
  const names = streamNames(store.prefix);
  await redis.del(names.stream);
  await sql`TRUNCATE votes, tallies, participants`;
  await fill(store, names.stream, PREFILL, perVoter);
  const consumer = start(["dist/node/consumer.js"], { ...store.env, PORT: String(await freePort()) });
  try {
    const { seconds, entries } = await drain(store, names.stream, PREFILL);
    const [check] = await sql<{ tallied: string; rows: string }[]>`
      SELECT (SELECT coalesce(sum(votes), 0) FROM tallies) AS tallied, (SELECT count(*) FROM votes) AS rows`;
    return { perSecond: entries / seconds, entries, seconds, intact: check?.tallied === check?.rows, check };
  } finally {
    await stop(consumer);
  }
}

/** The floor program (bench/consumer-floor.ts) over distinct voters: ballots per second. */
async function floorRun(store: BenchStore): Promise<number> {
  const stream = `${store.prefix}floor:stream`;
  await store.redis.del(stream);
  await store.sql`DROP TABLE IF EXISTS floor_votes`;
  await fill(store, stream, PREFILL, 1);
  const floor = start(["bench/consumer-floor.ts"], { ...store.env, FLOOR_STREAM: stream });
  try {
    const { seconds, entries } = await drain(store, stream, PREFILL);
    return entries / seconds;
  } finally {
    await stop(floor);
    await store.sql`DROP TABLE IF EXISTS floor_votes`;
  }
}

export async function measureConsumer(store: BenchStore): Promise<Row[]> {
  const floor = await floorRun(store);
  const distinct = await consumerRun(store, 1);
  const changes = await consumerRun(store, 10);
  const share = distinct.perSecond / floor;
  return [
    [
      "consumer floor ballots/s (XREADGROUP 2,000, one multi-row upsert, XACK; no versions or tallies)",
      `${fmt(floor)} (${fmt(PREFILL)} distinct voters)`,
      "reference",
      null,
    ],
    [
      "consumer votes/s, distinct voters (every vote a new row)",
      `${fmt(distinct.perSecond)} = ${fmt(share, 2)}x the floor (${fmt(distinct.entries)} in ${fmt(distinct.seconds, 2)} s)`,
      ">= 100,000 and >= 0.8x the floor",
      distinct.perSecond >= 100_000 && share >= 0.8,
    ],
    [
      "consumer votes/s, voters who change their minds (10 ballots each)",
      `${fmt(changes.perSecond)} (${fmt(changes.entries)} in ${fmt(changes.seconds, 2)} s)`,
      ">= 55,000",
      changes.perSecond >= 55_000,
    ],
    [
      "  after each drain",
      `SUM(tallies) = COUNT(votes): distinct ${distinct.check?.tallied} = ${distinct.check?.rows}, changes ${changes.check?.tallied} = ${changes.check?.rows}`,
      "equal",
      distinct.intact && changes.intact,
    ],
  ];
}
