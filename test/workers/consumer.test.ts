import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import consumer from "../../workers/consumer/index.ts";
import { database, resetState } from "./support.ts";

const ballot = (voter: string, choice: string, version: number) => ({
  poll: "default",
  voter,
  choice,
  version,
  castAt: "2026-11-26T10:00:00.000Z",
});
const voters = ["0b7d1a52-3c7e-4d7a-9a51-2f0e8d6c4b11", "9c1e2b44-5d6f-4a7b-8c9d-0e1f2a3b4c5d"] as const;

async function deliver(bodies: unknown[], workerEnv: Env = env, attempts = 1) {
  const batch = createMessageBatch(
    "votes",
    bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await consumer.queue(batch, workerEnv, ctx);
  return await getQueueResult(batch, ctx);
}

const tallies = () =>
  database(async (sql) =>
    Object.fromEntries(
      (await sql<{ option_id: string; votes: string }[]>`SELECT option_id, votes FROM tallies WHERE votes > 0`).map(
        (row) => [row.option_id, Number(row.votes)],
      ),
    ),
  );

describe("the queue consumer Worker", () => {
  beforeEach(() => resetState());

  it("acknowledges every message once its batch is committed", async () => {
    const result = await deliver([ballot(voters[0], "a", 1), ballot(voters[1], "b", 1), ballot(voters[0], "b", 2)]);
    expect(result.explicitAcks.sort()).toEqual(["m0", "m1", "m2"]);
    expect(result.retryMessages).toEqual([]);
    expect(result.retryBatch.retry).toBe(false);
    expect(await tallies()).toEqual({ b: 2 });
  });

  it("changes nothing when a batch is redelivered or arrives out of order", async () => {
    await deliver([ballot(voters[0], "b", 2), ballot(voters[1], "a", 1)]);
    await deliver([ballot(voters[0], "a", 1), ballot(voters[1], "a", 1), ballot(voters[0], "b", 2)], env, 2);
    expect(await tallies()).toEqual({ a: 1, b: 1 });
  });

  it("never acknowledges a malformed message: it is retried, and the queue dead-letters it after max_retries", async () => {
    const result = await deliver([ballot(voters[0], "a", 1), "{not json", { ...ballot(voters[1], "zebra", 1) }]);
    expect(result.explicitAcks).toEqual(["m0"]);
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId).sort()).toEqual(["m1", "m2"]);
    expect(await tallies()).toEqual({ a: 1 });
  });

  it("retries the whole batch, acknowledging nothing, when the database is unreachable", async () => {
    const unreachable = {
      ...env,
      HYPERDRIVE: { ...env.HYPERDRIVE, connectionString: "postgres://postgres:postgres@127.0.0.1:1/nowhere" },
    };
    const result = await deliver([ballot(voters[0], "a", 1), ballot(voters[1], "b", 1)], unreachable as Env, 3);
    expect(result.explicitAcks).toEqual([]);
    expect(result.ackAll).toBe(false);
    expect(result.retryBatch.retry).toBe(true);
    expect(await tallies()).toEqual({});
  });
});
