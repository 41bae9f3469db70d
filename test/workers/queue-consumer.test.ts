import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { database, deliverBatch, resetState, tallies } from "./support.ts";

const ballot = (voter: string, choice: string, version: number) => ({
  poll: "default",
  voter,
  choice,
  version,
  castAt: "2026-11-26T10:00:00.000Z",
});
const voters = ["0b7d1a52-3c7e-4d7a-9a51-2f0e8d6c4b11", "9c1e2b44-5d6f-4a7b-8c9d-0e1f2a3b4c5d"] as const;

const deliver = (bodies: unknown[], workerEnv: Env = env, attempts = 1) =>
  deliverBatch("votes", bodies, workerEnv, attempts);

describe("the queue consumer Worker", () => {
  beforeEach(() => resetState());
  afterEach(() => vi.restoreAllMocks());

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

  it("sends what can never be applied to votes-dead at once, without spending a retry, and applies the rest", async () => {
    const sent: unknown[] = [];
    const deadLetters = { sendBatch: async (messages: { body: unknown }[]) => void sent.push(...messages) };
    const malformed = ["{not json", { ...ballot(voters[1], "zebra", 1) }];
    const result = await deliver([ballot(voters[0], "a", 1), ...malformed], {
      ...env,
      VOTES_DEAD: deadLetters,
    } as unknown as Env);
    expect(result.explicitAcks.sort()).toEqual(["m0", "m1", "m2"]);
    expect(result.retryMessages).toEqual([]);
    expect(sent).toEqual(malformed.map((body) => ({ body, contentType: "json" })));
    expect(await tallies()).toEqual({ a: 1 });
  });

  it("retries what can never be applied when the dead-letter queue refuses it, so the queue dead-letters it itself", async () => {
    const deadLetters = { sendBatch: () => Promise.reject(new Error("Queue sendBatch failed: Too Many Requests")) };
    const result = await deliver([ballot(voters[0], "a", 1), "{not json"], {
      ...env,
      VOTES_DEAD: deadLetters,
    } as unknown as Env);
    expect(result.explicitAcks).toEqual(["m0"]);
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(["m1"]);
  });

  it("refuses a ballot whose poll closed before it reached the database: acknowledged, logged once, never retried", async () => {
    const poll = "closedPoll01";
    await database(
      (sql) => sql`
        INSERT INTO polls (id, question, options, status)
        VALUES (${poll}, 'Closed?', ${sql.json([
          { id: "a", label: "Yes" },
          { id: "b", label: "No" },
        ])}, 'closed')
        ON CONFLICT (id) DO UPDATE SET status = 'closed'`,
    );
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    const sent: unknown[] = [];
    const result = await deliver([{ ...ballot(voters[0], "a", 1), poll }, ballot(voters[1], "b", 1)], {
      ...env,
      VOTES_DEAD: { sendBatch: async (messages: unknown[]) => void sent.push(...messages) },
    } as unknown as Env);
    expect(result.explicitAcks.sort()).toEqual(["m0", "m1"]);
    expect(result.retryMessages).toEqual([]);
    expect(sent).toEqual([]);
    const refused = lines.map((line) => JSON.parse(line)).filter((entry) => entry.event === "vote.refused");
    expect(refused).toEqual([
      expect.objectContaining({ id: "m0", reason: `poll ${poll} is closed: its counts are final` }),
    ]);
    expect(await tallies()).toEqual({ b: 1 });
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
