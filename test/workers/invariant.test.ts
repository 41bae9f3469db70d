import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { shardOfVoter, shardQueueName } from "../../src/cloudflare/queue-shards.ts";
import web from "../../src/cloudflare/web.ts";
import consumer from "../../workers/consumer/index.ts";
import { ORIGIN } from "../contract/http-contract.ts";
import { CookieJar } from "../helpers/cookie-jar.ts";
import { delivered } from "./harness.ts";
import { database, resetState, settled } from "./support.ts";

const VOTERS = 40;
const VOTES_EACH = 5;

describe.each([1, 2])(
  "the Workers target with VOTE_QUEUE_SHARDS=%i under a burst of changing votes and redeliveries",
  (shards) => {
    // The real wrangler.toml declares the producers of two shards (VOTES, VOTES_1); this picks how many are used.
    const workerEnv = { ...env, VOTE_QUEUE_SHARDS: String(shards) } as unknown as Env;
    const queues = Array.from({ length: shards }, (_, shard) => shardQueueName(shard));

    beforeEach(async () => {
      await resetState();
      delivered.clear();
    });

    async function vote(jar: CookieJar, choice: string): Promise<Response> {
      const ctx = createExecutionContext();
      const response = await web.fetch(
        new Request(`${ORIGIN}/api/votes`, {
          method: "POST",
          headers: { "Content-Type": "application/json", Cookie: jar.header() },
          body: JSON.stringify({ vote: choice }),
        }),
        workerEnv,
        ctx,
      );
      await waitOnExecutionContext(ctx);
      jar.take(response);
      return response;
    }

    it("ends with tallies equal to every voter's last choice, each voter's ballots through one queue", async () => {
      const last = new Map<string, string>();
      const cast: { voter: string; choice: string; version: number }[] = [];
      await Promise.all(
        Array.from({ length: VOTERS }, async () => {
          const jar = new CookieJar();
          for (let v = 1; v <= VOTES_EACH; v++) {
            const choice = Math.random() < 0.5 ? "a" : "b";
            const response = await vote(jar, choice);
            expect(response.status).toBe(202);
            const { version } = (await response.json()) as { version: number };
            const voter = decodeURIComponent(jar.get("voter_id") ?? "").split(".")[0]!;
            cast.push({ voter, choice, version });
            last.set(voter, choice);
          }
        }),
      );
      await settled();

      // The consumer got every ballot, each voter's through the one queue the voter hashes to, and every queue had some.
      const queuesOf = new Map<string, Set<string>>();
      for (const [queue, voters] of delivered) {
        for (const voter of voters) queuesOf.set(voter, (queuesOf.get(voter) ?? new Set()).add(queue));
      }
      expect(queuesOf.size).toBe(VOTERS);
      for (const [voter, seen] of queuesOf) expect([...seen]).toEqual([shardQueueName(shardOfVoter(voter, shards))]);
      expect([...delivered.keys()].sort()).toEqual(queues);
      const deliveries = [...delivered.values()].reduce((sum, voters) => sum + voters.length, 0);
      expect(deliveries).toBeGreaterThanOrEqual(VOTERS * VOTES_EACH);

      // The queues deliver at least once and in any order: hand the consumer
      // every ballot again, shuffled, as late redeliveries from its own queue.
      for (const queue of queues) {
        const again = cast
          .filter((ballot) => shardQueueName(shardOfVoter(ballot.voter, shards)) === queue)
          .map((ballot) => ({ poll: "default", ...ballot, castAt: new Date().toISOString() }))
          .sort(() => Math.random() - 0.5);
        const batch = createMessageBatch(
          queue,
          again.map((body, i) => ({ id: `again-${i}`, timestamp: new Date(), attempts: 2, body })),
        );
        const ctx = createExecutionContext();
        await consumer.queue(batch, env, ctx);
        expect((await getQueueResult(batch, ctx)).explicitAcks).toHaveLength(again.length);
      }

      const expected = { a: 0, b: 0 };
      for (const choice of last.values()) expected[choice as "a" | "b"]++;
      const rows = await database(
        (sql) => sql<{ option_id: string; votes: string }[]>`SELECT option_id, votes FROM tallies ORDER BY option_id`,
      );
      const tallies = Object.fromEntries(rows.map((row) => [row.option_id, Number(row.votes)]));
      expect({ a: tallies.a ?? 0, b: tallies.b ?? 0 }).toEqual(expected);
      const [counted] = await database((sql) => sql<{ n: string }[]>`SELECT count(*) AS n FROM votes`);
      expect(Number(counted?.n)).toBe(VOTERS);
    });
  },
);
