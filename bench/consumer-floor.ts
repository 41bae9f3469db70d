// The least a consumer can do: read 2,000 stream entries with XREADGROUP,
// write them with one multi-row upsert through postgres.js, acknowledge them.
// No versions, no tallies, no polls: the reference the consumer's figure is
// held against (issue 18). Its table is its own, made here.
import { createClient } from "@redis/client";
import postgres from "postgres";

const stream = process.env.FLOOR_STREAM ?? "floor:stream";
const group = "floor";
const redis = createClient({ url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379", RESP: 2 });
await redis.connect();
const sql = postgres(process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres", {
  max: 1,
  onnotice: () => {},
});
await sql`CREATE TABLE IF NOT EXISTS floor_votes (voter_id text PRIMARY KEY, choice text NOT NULL)`;
await redis.xGroupCreate(stream, group, "0", { MKSTREAM: true }).catch(() => {});

for (;;) {
  const read = await redis.xReadGroup(group, "floor", { key: stream, id: ">" }, { COUNT: 2_000, BLOCK: 1_000 });
  const entries = read?.[0]?.messages ?? [];
  if (entries.length === 0) continue;
  // One row per voter (a batch may hold the same voter twice; the last wins).
  const rows = new Map<string, string>();
  for (const entry of entries) {
    const ballot = JSON.parse(entry.message.ballot ?? "{}") as { voter: string; choice: string };
    rows.set(ballot.voter, ballot.choice);
  }
  await sql`
    INSERT INTO floor_votes (voter_id, choice)
    SELECT * FROM unnest(${[...rows.keys()]}::text[], ${[...rows.values()]}::text[])
    ON CONFLICT (voter_id) DO UPDATE SET choice = excluded.choice`;
  await redis.xAck(
    stream,
    group,
    entries.map((entry) => entry.id),
  );
  await redis.xDel(
    stream,
    entries.map((entry) => entry.id),
  );
}
