// What keeping every answered vote costs: POST /vote against a Redis whose
// append-only file is fsynced before each answer (appendfsync always, the
// production overlay) and once a second (everysec, minikube), taking turns.
import type autocannon from "autocannon";
import { startOwnRedis } from "../test/helpers/own-redis.ts";
import type { BenchStore, Row } from "./lib.ts";
import { errorsOf, fmt, formVotes, freePort, load, SECONDS, start, stop, waitUntil } from "./lib.ts";

const ROUNDS = 3;
const ROUND_SECONDS = Math.max(2, Math.round(SECONDS / 2));
const SETTINGS = ["always", "everysec"] as const;

const median = (rounds: autocannon.Result[]) =>
  [...rounds].sort((a, b) => a.requests.average - b.requests.average)[Math.floor(rounds.length / 2)]!;

export async function measureDurability(store: BenchStore): Promise<Row[]> {
  const servers = await Promise.all(
    SETTINGS.map((fsync) => startOwnRedis(["--appendonly", "yes", "--appendfsync", fsync])),
  );
  const webs = await Promise.all(
    servers.map(async (redis) => {
      const port = await freePort();
      const child = start(["dist/node/web.js"], { ...store.env, REDIS_URL: redis.url, PORT: String(port) });
      const base = `http://127.0.0.1:${port}`;
      await waitUntil(async () => (await fetch(`${base}/readyz`)).ok);
      return { child, base };
    }),
  );
  try {
    const rounds: autocannon.Result[][] = SETTINGS.map(() => []);
    for (const web of webs) await load(`${web.base}/vote`, { requests: formVotes }, false, 2);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, web] of webs.entries()) {
        rounds[i]!.push(await load(`${web.base}/vote`, { requests: formVotes }, false, ROUND_SECONDS));
      }
    }
    const [always, everysec] = rounds.map(median) as [autocannon.Result, autocannon.Result];
    const errors = rounds.flat().reduce((sum, result) => sum + errorsOf(result), 0);
    return [
      [
        `POST /vote req/s, Redis appendfsync always (production: no answered vote lost) vs everysec; median of ${ROUNDS} rounds`,
        `${fmt(always.requests.average)} vs ${fmt(everysec.requests.average)} = ${fmt((1 - always.requests.average / everysec.requests.average) * 100)}% less, p99 ${always.latency.p99} vs ${everysec.latency.p99} ms, ${errors} errors`,
        "reference (k8s/README.md, Durability)",
        null,
      ],
    ];
  } finally {
    for (const web of webs) await stop(web.child);
    for (const redis of servers) await redis.stop();
  }
}
