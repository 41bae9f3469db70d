// The consumer: a stream filled with votes (distinct voters, and voters who
// change their minds), drained into PostgreSQL by the consumer process as the
// container runs it, in rounds that alternate with the consumer floor
// (bench/consumer-floor.ts); each figure is the median round. Where the CPU
// goes per ballot (the consumer, PostgreSQL, Redis) comes from /proc and INFO.
import { randomUUID } from "node:crypto";
import { streamNames } from "../src/redis/keys.ts";
import type { BenchStore, Row } from "./lib.ts";
import {
  cpuSeconds,
  fmt,
  freePort,
  middle,
  postgresCpuSeconds,
  redisCpuSeconds,
  start,
  stop,
  waitUntil,
} from "./lib.ts";

const PREFILL = Number(process.env.BENCH_PREFILL ?? 200_000);
const ROUNDS = 3;

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

/** The consumer process over a stream of `perVoter` ballots per voter: ballots per second, CPU per ballot, and the invariant after. */
async function consumerRun(store: BenchStore, perVoter: number) {
  const { redis, sql } = store;
  const names = streamNames(store.prefix);
  await redis.del(names.stream);
  await sql`TRUNCATE votes, tallies, participants`;
  await fill(store, names.stream, PREFILL, perVoter);
  const before = { postgres: postgresCpuSeconds(), redis: await redisCpuSeconds(store) };
  const consumer = start(["dist/node/consumer.js"], { ...store.env, PORT: String(await freePort()) });
  try {
    const { seconds, entries } = await drain(store, names.stream, PREFILL);
    // Before the consumer stops: its PostgreSQL backends' time leaves /proc with them.
    const micros = (cpu: number) => (cpu * 1e6) / PREFILL;
    const cpu = {
      consumer: micros(cpuSeconds(consumer.pid!)),
      postgres: micros(postgresCpuSeconds() - before.postgres),
      redis: micros((await redisCpuSeconds(store)) - before.redis),
    };
    const [check] = await sql<{ tallied: string; rows: string }[]>`
      SELECT (SELECT coalesce(sum(votes), 0) FROM tallies) AS tallied, (SELECT count(*) FROM votes) AS rows`;
    return { perSecond: entries / seconds, entries, seconds, cpu, intact: check?.tallied === check?.rows, check };
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

type Run = Awaited<ReturnType<typeof consumerRun>>;
/** The round with the median rate. */
const medianRun = (runs: Run[]) => [...runs].sort((x, y) => x.perSecond - y.perSecond)[Math.floor(runs.length / 2)]!;

export async function measureConsumer(store: BenchStore): Promise<Row[]> {
  const floors: number[] = [];
  const distincts: Run[] = [];
  const changing: Run[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    floors.push(await floorRun(store));
    distincts.push(await consumerRun(store, 1));
    changing.push(await consumerRun(store, 10));
  }
  const floor = middle(floors);
  const distinct = medianRun(distincts);
  const changes = medianRun(changing);
  const share = distinct.perSecond / floor;
  const cpu = (run: Run) =>
    `consumer ${fmt(run.cpu.consumer, 1)} + PostgreSQL ${fmt(run.cpu.postgres, 1)} + Redis ${fmt(run.cpu.redis, 1)} = ${fmt(run.cpu.consumer + run.cpu.postgres + run.cpu.redis, 1)} µs`;
  const all = (runs: Run[]) => runs.map((run) => fmt(run.perSecond)).join(", ");
  return [
    [
      `consumer floor ballots/s (XREADGROUP 2,000, one multi-row upsert, XACK; no versions or tallies; median of ${ROUNDS} rounds)`,
      `${fmt(floor)} (${fmt(PREFILL)} distinct voters; rounds ${floors.map((f) => fmt(f)).join(", ")})`,
      "reference",
      null,
    ],
    [
      "consumer votes/s, distinct voters (every vote a new row; median round, between the floor's)",
      `${fmt(distinct.perSecond)} = ${fmt(share, 2)}x the floor (rounds ${all(distincts)})`,
      ">= 100,000 and >= 0.8x the floor",
      distinct.perSecond >= 100_000 && share >= 0.8,
    ],
    ["  CPU per ballot, distinct voters", cpu(distinct), "(where the time goes)", null],
    [
      "consumer votes/s, voters who change their minds (10 ballots each)",
      `${fmt(changes.perSecond)} (rounds ${all(changing)})`,
      ">= 55,000",
      changes.perSecond >= 55_000,
    ],
    ["  CPU per ballot, voters who change their minds", cpu(changes), "(where the time goes)", null],
    [
      "  after each drain",
      `SUM(tallies) = COUNT(votes) in every round: ${[...distincts, ...changing].every((run) => run.intact) ? "yes" : "NO"} (last: distinct ${distinct.check?.tallied} = ${distinct.check?.rows}, changes ${changes.check?.tallied} = ${changes.check?.rows})`,
      "equal",
      [...distincts, ...changing].every((run) => run.intact),
    ],
  ];
}
