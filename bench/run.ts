// `npm run bench`: the figures the project is held to, measured on this
// machine with Redis, PostgreSQL and the load generator (autocannon) all
// local. Each figure is printed next to its target or its reference from the
// same run. It prints figures; it never fails because the machine was slow.
// BENCH_ONLY=vote,durability,consumer,freshness,room,results,stopped,export,workers,recovery,image runs some sections.
import { measureConsumer } from "./consumer.ts";
import { measureImage } from "./container.ts";
import { measureDurability } from "./durability.ts";
import { measureExport } from "./export.ts";
import { measureFreshness } from "./freshness.ts";
import { containerRoom, measureRoom } from "./full-room.ts";
import { allocator, CONNECTIONS, openBenchStore, type Row, SECONDS } from "./lib.ts";
import { measureResults } from "./results.ts";
import { measureStoppedPostgres } from "./stopped-postgres.ts";
import { measureVotePath } from "./vote-path.ts";
import { measureWorkers } from "./workers.ts";
import { measureWorkersRecovery } from "./workers-recovery.ts";

const only = new Set(
  (
    process.env.BENCH_ONLY ?? "vote,durability,consumer,freshness,room,results,stopped,export,workers,recovery,image"
  ).split(","),
);
const rows: Row[] = [];

console.log(
  `Node ${process.version}, ${SECONDS} s per load run after 2 s of warm-up, ${CONNECTIONS} connections; allocator: ${allocator.note}.\n`,
);
const store = await openBenchStore();
try {
  if (only.has("vote")) rows.push(...(await measureVotePath(store)));
  if (only.has("durability")) rows.push(...(await measureDurability(store)));
  if (only.has("consumer")) rows.push(...(await measureConsumer(store)));
  if (only.has("freshness")) rows.push(...(await measureFreshness(store)));
  if (only.has("room")) rows.push(...(await measureRoom(store)));
  if (only.has("results")) rows.push(...(await measureResults(store)));
  if (only.has("stopped")) rows.push(...(await measureStoppedPostgres(store)));
  if (only.has("export")) rows.push(...(await measureExport(store)));
  if (only.has("workers")) rows.push(...(await measureWorkers(store)));
} finally {
  await store.close();
}
if (only.has("recovery")) rows.push(...(await measureWorkersRecovery()));
if (only.has("image")) rows.push(...(await measureImage(CONNECTIONS, containerRoom)));

const width = (i: 0 | 1 | 2) => Math.max(...rows.map((row) => row[i].length), 7);
const line = ([what, figure, target, met]: Row) =>
  `${what.padEnd(width(0))}  ${figure.padEnd(width(1))}  ${target.padEnd(width(2))}  ${met === null ? "" : met ? "met" : "MISSED"}`;
console.log(line(["measure", "figure", "target / reference", null]));
for (const row of rows) console.log(line(row));
