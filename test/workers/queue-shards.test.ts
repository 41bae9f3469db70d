import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { parseWebEnv } from "../../src/cloudflare/config.ts";
import { shardOfVoter } from "../../src/cloudflare/queue-shards.ts";
import { FAST_RETRIES } from "../../src/cloudflare/retries.ts";
import { ConfigError } from "../../src/core/config.ts";
import consumer from "../../workers/consumer/index.ts";
import { resetState } from "./support.ts";

/** The web Worker with two shards: VOTES (`votes`) and VOTES_1 (`votes-1`), both from the real wrangler.toml. */
const twoShards = { ...env, VOTE_QUEUE_SHARDS: "2" } as unknown as Env;

function problemsOf(workerEnv: object): string[] {
  try {
    parseWebEnv(workerEnv as Env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("the vote queue in shards (VOTE_QUEUE_SHARDS)", () => {
  beforeEach(() => resetState());

  it("hashes a voter to the same shard every time, and spreads voters evenly", () => {
    const voters = Array.from({ length: 4_000 }, () => crypto.randomUUID());
    for (const shards of [2, 3, 16]) {
      const counts = new Array<number>(shards).fill(0);
      for (const voter of voters) {
        const shard = shardOfVoter(voter, shards);
        expect(shardOfVoter(voter, shards)).toBe(shard);
        counts[shard]!++;
      }
      const even = voters.length / shards;
      for (const count of counts) expect(Math.abs(count - even)).toBeLessThan(even * 0.25);
    }
    expect(voters.every((voter) => shardOfVoter(voter, 1) === 0)).toBe(true);
  });

  it("refuses a shard count out of range, and names a shard whose binding is missing", () => {
    expect(problemsOf({ ...env, VOTE_QUEUE_SHARDS: "0" }).join("\n")).toContain("VOTE_QUEUE_SHARDS");
    expect(problemsOf({ ...env, VOTE_QUEUE_SHARDS: "17" }).join("\n")).toContain("VOTE_QUEUE_SHARDS");
    expect(problemsOf({ ...env, VOTE_QUEUE_SHARDS: "two" }).join("\n")).toContain("VOTE_QUEUE_SHARDS");
    const three = problemsOf({ ...env, VOTE_QUEUE_SHARDS: "3" });
    expect(three).toHaveLength(1);
    expect(three[0]).toMatch(/VOTES_2 queue binding is missing.*VOTE_QUEUE_SHARDS is 3/);
    expect(problemsOf(twoShards)).toEqual([]);
    expect(parseWebEnv(twoShards).voteQueues).toHaveLength(2);
  });

  it("hands a shard's ballots back to that shard during a long database outage", async () => {
    const sent: Record<string, number> = {};
    const counting = (name: string) => ({
      sendBatch: async (messages: unknown[]) => {
        sent[name] = (sent[name] ?? 0) + messages.length;
      },
    });
    const databaseAway = {
      ...env,
      HYPERDRIVE: { ...env.HYPERDRIVE, connectionString: "postgres://postgres:postgres@127.0.0.1:1/nowhere" },
      VOTES: counting("VOTES"),
      VOTES_1: counting("VOTES_1"),
    } as unknown as Env;
    const deliver = async (queue: string, count: number) => {
      const batch = createMessageBatch(
        queue,
        Array.from({ length: count }, (_, i) => ({
          id: `${queue}-${i}`,
          timestamp: new Date(),
          attempts: FAST_RETRIES + 1,
          body: {
            poll: "default",
            voter: crypto.randomUUID(),
            choice: "a",
            version: 1,
            castAt: new Date().toISOString(),
          },
        })),
      );
      const ctx = createExecutionContext();
      await consumer.queue(batch, databaseAway, ctx);
      return await getQueueResult(batch, ctx);
    };
    for (const [queue, count] of [
      ["votes-1", 3],
      ["votes", 2],
      ["votes-dead", 1],
    ] as const) {
      expect((await deliver(queue, count)).ackAll).toBe(true);
    }
    expect(sent).toEqual({ VOTES_1: 3, VOTES: 3 });
  });
});
