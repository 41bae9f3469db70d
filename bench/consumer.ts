// The consumer: a stream filled with votes (voters who change their minds),
// drained into PostgreSQL by the consumer process, as the container runs it.
import { randomUUID } from "node:crypto";
import { streamNames } from "../src/redis/keys.ts";
import type { BenchStore, Row } from "./lib.ts";
import { fmt, freePort, start, stop, waitUntil } from "./lib.ts";

const PREFILL = Number(process.env.BENCH_PREFILL ?? 200_000);

export async function measureConsumer(store: BenchStore): Promise<Row[]> {
  const { redis, sql } = store;
  const names = streamNames(store.prefix);
  await redis.del(names.stream);
  await sql`TRUNCATE votes, tallies, participants`;
  const voters = Array.from({ length: PREFILL / 10 }, () => randomUUID());
  const castAt = new Date().toISOString();
  for (let from = 0; from < PREFILL; from += 10_000) {
    const multi = redis.multi();
    for (let i = from; i < Math.min(from + 10_000, PREFILL); i++) {
      const voter = voters[i % voters.length]!;
      const version = Math.floor(i / voters.length) + 1;
      const ballot = { poll: "default", voter, choice: i % 3 === 0 ? "b" : "a", version, castAt };
      multi.xAdd(names.stream, "*", { ballot: JSON.stringify(ballot) });
    }
    await multi.execAsPipeline();
  }
  const consumer = start(["dist/node/consumer.js"], { ...store.env, PORT: String(await freePort()) });
  try {
    let startedAt = 0;
    let startLength = PREFILL;
    await waitUntil(
      async () => {
        const length = await redis.xLen(names.stream);
        if (startedAt === 0 && length < PREFILL) {
          startedAt = performance.now();
          startLength = length;
        }
        return length === 0;
      },
      300_000,
      5,
    );
    const seconds = (performance.now() - startedAt) / 1000;
    const perSecond = startLength / seconds;
    const [check] = await sql<{ tallied: string; rows: string }[]>`
      SELECT (SELECT coalesce(sum(votes), 0) FROM tallies) AS tallied, (SELECT count(*) FROM votes) AS rows`;
    return [
      [
        "consumer votes/s (stream -> versions and tallies)",
        `${fmt(perSecond)} (${fmt(startLength)} votes in ${fmt(seconds, 2)} s)`,
        ">= 55,000",
        perSecond >= 55_000,
      ],
      [
        "  after the drain",
        `SUM(tallies) = ${check?.tallied}, COUNT(votes) = ${check?.rows}`,
        "equal",
        check?.tallied === check?.rows,
      ],
    ];
  } finally {
    await stop(consumer);
  }
}
