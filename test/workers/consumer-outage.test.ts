import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DEAD_LETTER_QUEUE } from "../../src/cloudflare/queue-shards.ts";
import { FAST_RETRIES } from "../../src/cloudflare/retries.ts";
import { waitFor } from "../helpers/wait.ts";
import { deliverBatch, resetState, tallies } from "./support.ts";

const ballot = (voter: string, choice: string, version = 1) => ({
  poll: "default",
  voter,
  choice,
  version,
  castAt: "2026-11-26T10:00:00.000Z",
});
const voters = [
  "0b7d1a52-3c7e-4d7a-9a51-2f0e8d6c4b11",
  "9c1e2b44-5d6f-4a7b-8c9d-0e1f2a3b4c5d",
  "3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c",
] as const;

/** PostgreSQL refusing every connection; ballots handed back to `votes` come back at once (the real queue). */
const databaseAway = {
  ...env,
  HYPERDRIVE: { ...env.HYPERDRIVE, connectionString: "postgres://postgres:postgres@127.0.0.1:1/nowhere" },
  REQUEUE_DELAY_SECONDS: "0",
} as unknown as Env;

/** The platform refusing sends as well. */
const queueRefusingToo = {
  ...databaseAway,
  VOTES: { sendBatch: () => Promise.reject(new Error("Queue sendBatch failed: Too Many Requests")) },
} as unknown as Env;

/** Waits until the real queue and consumer have brought the tallies to `expected`. */
async function expectTallies(expected: Record<string, number>): Promise<void> {
  let seen: Record<string, number> = {};
  await waitFor(
    async () => {
      seen = await tallies();
      return JSON.stringify(seen) === JSON.stringify(expected);
    },
    () => `tallies ${JSON.stringify(expected)} (last seen ${JSON.stringify(seen)})`,
    15_000,
  );
}

describe("the queue consumer Worker during a database outage", () => {
  beforeEach(() => resetState());
  afterEach(() => vi.restoreAllMocks());

  it("loses no ballot when the database is refused for longer than the retry window, once it returns", async () => {
    const ballots = [ballot(voters[0], "a"), ballot(voters[1], "b"), ballot(voters[2], "a")];
    // The queue redelivers the failing batch with growing attempts: a few quick retries, each a little later...
    const delays: number[] = [];
    for (let attempts = 1; attempts <= FAST_RETRIES; attempts++) {
      const result = await deliverBatch("votes", ballots, databaseAway, attempts);
      expect(result.explicitAcks).toEqual([]);
      expect(result.retryBatch.retry).toBe(true);
      delays.push(result.retryBatch.delaySeconds ?? 0);
    }
    expect(delays).toEqual([...delays].sort((x, y) => x - y));
    // ...then, far below max_retries, the ballots go back to `votes` as new messages (attempts start again)
    // and the originals are acknowledged: however long the outage, they never reach the dead letters.
    const handedBack = await deliverBatch("votes", ballots, databaseAway, FAST_RETRIES + 1);
    expect(handedBack.retryBatch.retry).toBe(false);
    expect(handedBack.retryMessages).toEqual([]);
    expect(handedBack.ackAll).toBe(true);
    // The database is back for the next delivery: the real queue brings them to the real consumer.
    await expectTallies({ a: 2, b: 1 });
  });

  it("keeps the ballots in the queue, for a later try, when the queue refuses to take them back", async () => {
    const result = await deliverBatch("votes", [ballot(voters[0], "a"), ballot(voters[1], "b")], queueRefusingToo, 7);
    expect(result.ackAll).toBe(false);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryBatch.retry).toBe(true);
    expect(await tallies()).toEqual({});
  });
});

describe("the dead-letter consumer (votes-dead)", () => {
  beforeEach(() => resetState());
  afterEach(() => vi.restoreAllMocks());

  it("applies valid dead letters, and logs in full at error level, then drops, what can't be applied", async () => {
    await deliverBatch("votes", [ballot(voters[0], "a", 2)], env, 1);
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => {
      lines.push(String(line));
    });
    const unknownChoice = ballot(voters[2], "zebra");
    const result = await deliverBatch(
      DEAD_LETTER_QUEUE,
      [ballot(voters[0], "b", 1), ballot(voters[1], "b"), "{not json", unknownChoice],
      env,
      1,
    );
    expect(result.explicitAcks.sort()).toEqual(["m0", "m1", "m2", "m3"]);
    expect(result.retryMessages).toEqual([]);
    // A replayed ballot older than what was counted changes nothing (writes keep the highest version).
    expect(await tallies()).toEqual({ a: 1, b: 1 });
    const discarded = lines.map((line) => JSON.parse(line)).filter((entry) => entry.event === "vote.discarded");
    expect(discarded).toHaveLength(2);
    for (const entry of discarded) expect(entry.level).toBe("error");
    expect(discarded.map((entry) => entry.body)).toEqual(expect.arrayContaining(["{not json", unknownChoice]));
  });

  it("hands dead letters back to votes while the database is away", async () => {
    const result = await deliverBatch(
      DEAD_LETTER_QUEUE,
      [ballot(voters[0], "a"), ballot(voters[1], "b")],
      databaseAway,
      FAST_RETRIES + 1,
    );
    expect(result.ackAll).toBe(true);
    await expectTallies({ a: 1, b: 1 });
  });
});
