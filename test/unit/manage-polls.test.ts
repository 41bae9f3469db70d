import { describe, expect, it } from "vitest";
import {
  authorizeManager,
  createPoll,
  deletePoll,
  editPoll,
  exportBallots,
  POLL_CREATE_WINDOW_MS,
  type PollDeps,
  resetPoll,
  revealPoll,
  setPollStatus,
} from "../../src/core/manage-polls.ts";
import { createPollLookup } from "../../src/core/poll-lookup.ts";
import type { Poll } from "../../src/domain/polls.ts";
import { castRequest } from "../contract/ports/support.ts";
import { createManualClock } from "../fakes/clock.ts";
import { createMemoryDatabase } from "../fakes/postgres.ts";
import { createSequentialRandomness } from "../fakes/random.ts";
import { createMemoryRedis } from "../fakes/redis.ts";
import { defaultPoll, tea } from "../helpers/polls.ts";

/** `port` with each call of a method noted in `calls` as `name.method`. */
function noting<T extends object>(port: T, name: string, calls: string[]): T {
  return new Proxy(port, {
    get(target, method) {
      const value = Reflect.get(target, method);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls.push(`${name}.${String(method)}`);
        return value.apply(target, args);
      };
    },
  });
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

async function setUp(createLimit = 0) {
  const clock = createManualClock();
  const database = createMemoryDatabase();
  const redis = createMemoryRedis({ now: clock.ms });
  await database.pollArchive.savePoll(defaultPoll);
  const calls: string[] = [];
  const store = noting(redis.pollStore, "store", calls);
  // This process remembers polls for a minute: only forgetting makes its own changes seen at once.
  const lookup = createPollLookup({ defaultPoll, source: store, ttlMs: 60_000, now: clock.ms });
  const deps: PollDeps = {
    archive: noting(database.pollArchive, "archive", calls),
    store,
    lookup,
    random: createSequentialRandomness(),
    createLimiter:
      createLimit > 0
        ? redis.rateLimiter({ scope: "polls", limit: createLimit, windowMs: POLL_CREATE_WINDOW_MS })
        : undefined,
  };
  const create = async (client = "203.0.113.9") => {
    const outcome = await createPoll(
      deps,
      { question: "Tea or coffee?", options: ["Tea", "Coffee", "Water"], client },
      clock.ms(),
    );
    if (!outcome.ok) throw new Error(`not created: ${outcome.reason}`);
    calls.length = 0;
    return outcome;
  };
  return { clock, database, redis, calls, deps, lookup, create, now: () => clock.ms() };
}

describe("creating a poll", () => {
  it("writes it to the archive first, then the vote store: ids a, b, c in order, open, the token kept only as its hash", async () => {
    const { deps, calls, database, redis, now } = await setUp();
    const outcome = await createPoll(
      deps,
      { question: "  Tea or coffee?  ", options: ["Tea", " Coffee ", "Water"], client: "203.0.113.9" },
      now(),
    );
    const token = outcome.ok ? outcome.manageToken : "";
    // Trimmed, options a, b, c in the order given, open: the poll `tea` under a new id.
    const poll: Poll = { ...tea, id: "poll00000001", ownerTokenHash: await sha256Hex(token) };
    expect(outcome).toEqual({ ok: true, poll, manageToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    expect(calls).toEqual(["archive.createPoll", "store.writePoll"]);
    expect(await database.pollArchive.readPoll(poll.id)).toEqual(poll);
    expect(await redis.pollStore.readPoll(poll.id)).toEqual(poll);
  });

  it("refuses a bad draft naming the field, writing nothing and counting nothing against the limit", async () => {
    const { deps, calls, now } = await setUp(1);
    const client = "203.0.113.9";
    for (const [input, field] of [
      [{ question: "", options: ["Tea", "Coffee"] }, "question"],
      [{ question: "?", options: ["Tea", "tea"] }, "options"],
      [{ question: "?", options: ["Tea", "Coffee"], maxChoices: 3 }, "maxChoices"],
      [{ question: "?", options: ["Tea", "Coffee"], closesAt: new Date(now() - 1).toISOString() }, "closesAt"],
    ] as const) {
      expect(await createPoll(deps, { ...input, client }, now())).toMatchObject({
        ok: false,
        reason: "invalid",
        field,
      });
    }
    expect(calls).toEqual([]);
    expect((await createPoll(deps, { question: "?", options: ["a", "b"], client }, now())).ok).toBe(true);
  });

  it("takes POLL_CREATE_RATE_LIMIT polls per client an hour, then says when to come back; each client counts alone", async () => {
    const { deps, create, clock, calls, now } = await setUp(2);
    await create();
    await create();
    const input = { question: "One more?", options: ["Yes", "No"], client: "203.0.113.9" };
    expect(await createPoll(deps, input, now())).toEqual({ ok: false, reason: "rate-limited", retryAfter: 3_600 });
    expect(calls).toEqual([]);
    expect((await createPoll(deps, { ...input, client: "198.51.100.1" }, now())).ok).toBe(true);
    clock.advance(POLL_CREATE_WINDOW_MS);
    expect((await createPoll(deps, input, now())).ok).toBe(true);
  });

  it("writes nothing to the vote store when the archive fails", async () => {
    const { deps, calls, database, now } = await setUp();
    database.fail();
    await expect(createPoll(deps, { question: "?", options: ["a", "b"], client: undefined }, now())).rejects.toThrow();
    expect(calls).toEqual(["archive.createPoll"]);
  });
});

describe("authorizing a poll's manager", () => {
  it("accepts the poll's own token", async () => {
    const { deps, create } = await setUp();
    const { poll, manageToken } = await create();
    expect(await authorizeManager(deps, poll.id, manageToken)).toEqual({ ok: true, poll });
  });

  it("refuses no token (401), a wrong token or another poll's (403), and a poll that doesn't exist (404)", async () => {
    const { deps, create } = await setUp();
    const { poll } = await create();
    const other = await create();
    expect(await authorizeManager(deps, poll.id, undefined)).toEqual({ ok: false, reason: "no-token" });
    expect(await authorizeManager(deps, poll.id, "")).toEqual({ ok: false, reason: "no-token" });
    expect(await authorizeManager(deps, poll.id, "guess")).toEqual({ ok: false, reason: "wrong-token" });
    expect(await authorizeManager(deps, poll.id, other.manageToken)).toEqual({ ok: false, reason: "wrong-token" });
    for (const id of ["NoSuchPoll01", "../etc/passwd", undefined]) {
      expect(await authorizeManager(deps, id, other.manageToken)).toEqual({ ok: false, reason: "unknown-poll" });
    }
  });

  it("refuses every token for the default poll, which has none", async () => {
    const { deps, create } = await setUp();
    const { manageToken } = await create();
    expect(await authorizeManager(deps, "default", manageToken)).toEqual({ ok: false, reason: "wrong-token" });
  });
});

describe("closing and reopening a poll", () => {
  it("writes the archive first, then the vote store, and this process sees the change at once", async () => {
    const { deps, create, calls, lookup, database, redis } = await setUp();
    const { poll, manageToken } = await create();
    expect((await lookup.find(poll.id))?.status).toBe("open");
    const closed = { ...poll, status: "closed" };
    expect(await setPollStatus(deps, poll.id, manageToken, "closed")).toEqual({ ok: true, poll: closed });
    expect(calls.filter((call) => call.endsWith("setStatus") || call.endsWith("writePoll"))).toEqual([
      "archive.setStatus",
      "store.writePoll",
    ]);
    expect(await database.pollArchive.readPoll(poll.id)).toEqual(closed);
    expect(await redis.pollStore.readPoll(poll.id)).toEqual(closed);
    expect(await lookup.find(poll.id)).toEqual(closed);
    expect(await setPollStatus(deps, poll.id, manageToken, "open")).toEqual({ ok: true, poll });
    expect(await lookup.find(poll.id)).toEqual(poll);
  });

  it("changes nothing without the poll's token", async () => {
    const { deps, create, database, calls } = await setUp();
    const { poll } = await create();
    expect(await setPollStatus(deps, poll.id, "guess", "closed")).toEqual({ ok: false, reason: "wrong-token" });
    expect(await setPollStatus(deps, poll.id, undefined, "closed")).toEqual({ ok: false, reason: "no-token" });
    expect(calls.filter((call) => call.endsWith("setStatus") || call.endsWith("writePoll"))).toEqual([]);
    expect((await database.pollArchive.readPoll(poll.id))?.status).toBe("open");
  });

  it("leaves the vote store as it was when the archive fails", async () => {
    const { deps, create, database, redis } = await setUp();
    const { poll, manageToken } = await create();
    database.fail();
    await expect(setPollStatus(deps, poll.id, manageToken, "closed")).rejects.toThrow();
    expect((await redis.pollStore.readPoll(poll.id))?.status).toBe("open");
  });
});

describe("exporting a poll's ballots", () => {
  it("gives the owner every voter's current ballot, voters hashed; no one else", async () => {
    const { deps, create, database } = await setUp();
    const { poll, manageToken } = await create();
    const voter = crypto.randomUUID();
    const castAt = "2026-11-26T10:00:00.000Z";
    await database.voteArchive.applyBallots([
      { poll: poll.id, voter, choices: ["a"], version: 1, castAt, revision: 0 },
      { poll: poll.id, voter, choices: ["b", "c"], version: 2, castAt, revision: 0 },
    ]);
    const exported = await exportBallots(deps, poll.id, manageToken);
    expect(exported).toMatchObject({ ok: true, poll });
    const rows = [];
    if (exported.ok) for await (const chunk of exported.rows) rows.push(...chunk);
    expect(rows).toEqual([{ voter: expect.stringMatching(/^[0-9a-f]{64}$/), option: "b c", castAt }]);
    expect(await exportBallots(deps, poll.id, undefined)).toEqual({ ok: false, reason: "no-token" });
    expect(await exportBallots(deps, "default", manageToken)).toEqual({ ok: false, reason: "wrong-token" });
  });
});

describe("an owner's other actions", () => {
  const voter = "0b7d1a52-3c7e-4d7a-9a51-2f0e8d6c4b11";
  const castAt = "2026-11-26T10:00:00.000Z";

  it("reveals hidden counts, archive first, and this process sees it at once", async () => {
    const { deps, create, lookup, redis } = await setUp();
    const { poll, manageToken } = await create();
    await lookup.find(poll.id);
    expect(await revealPoll(deps, poll.id, "guess")).toEqual({ ok: false, reason: "wrong-token" });
    expect(await revealPoll(deps, poll.id, manageToken)).toEqual({ ok: true, poll: { ...poll, revealed: true } });
    expect((await lookup.find(poll.id))?.revealed).toBe(true);
    expect((await redis.pollStore.readPoll(poll.id))?.revealed).toBe(true);
  });

  it("edits the question and options while no one has voted, and refuses once someone has", async () => {
    const { deps, create, redis, database } = await setUp();
    const { poll, manageToken } = await create();
    const edit = { question: "Which drink?", options: ["Tea", "Coffee", "Juice"] };
    const edited = await editPoll(deps, poll.id, manageToken, edit);
    expect(edited).toMatchObject({ ok: true, poll: { question: "Which drink?", revision: 1 } });
    expect((await database.pollArchive.readPoll(poll.id))?.options.map((o) => o.label)).toEqual(edit.options);
    expect(await editPoll(deps, poll.id, manageToken, { options: ["only one"] })).toMatchObject({
      ok: false,
      reason: "invalid",
      field: "options",
    });
    await redis.ballotBox.cast(castRequest(poll.id, voter, ["a"], { revision: 1 }), {
      address: "x",
      perAddress: 0,
      perVoter: 0,
      windowMs: 60_000,
    });
    expect(await editPoll(deps, poll.id, manageToken, { question: "Too late?" })).toEqual({
      ok: false,
      reason: "voted",
    });
    expect((await database.pollArchive.readPoll(poll.id))?.question).toBe("Which drink?");
  });

  it("resets a poll: no ballots or counts, a new revision, so older ballots are refused", async () => {
    const { deps, create, database, redis } = await setUp();
    const { poll, manageToken } = await create();
    await database.voteArchive.applyBallots([
      { poll: poll.id, voter, choices: ["a"], version: 1, castAt, revision: 0 },
    ]);
    const reset = await resetPoll(deps, poll.id, manageToken);
    expect(reset).toMatchObject({ ok: true, poll: { revision: 1 } });
    expect((await database.voteArchive.readTallies(poll.id)).options).toEqual({});
    expect((await redis.pollStore.readPoll(poll.id))?.revision).toBe(1);
    const late = await database.voteArchive.applyBallots([
      { poll: poll.id, voter, choices: ["b"], version: 2, castAt, revision: 0 },
    ]);
    expect([...late.values()]).toEqual([{ kind: "before-reset", poll: poll.id }]);
  });

  it("deletes a poll and everything of it; no one else may", async () => {
    const { deps, create, database, redis, lookup } = await setUp();
    const { poll, manageToken } = await create();
    await database.voteArchive.applyBallots([
      { poll: poll.id, voter, choices: ["a"], version: 1, castAt, revision: 0 },
    ]);
    expect(await deletePoll(deps, poll.id, "guess")).toEqual({ ok: false, reason: "wrong-token" });
    expect(await deletePoll(deps, poll.id, manageToken)).toMatchObject({ ok: true });
    expect(await database.pollArchive.readPoll(poll.id)).toBeUndefined();
    expect(await redis.pollStore.readPoll(poll.id)).toBeUndefined();
    expect(await lookup.find(poll.id)).toBeUndefined();
    expect(await deletePoll(deps, poll.id, manageToken)).toEqual({ ok: false, reason: "unknown-poll" });
  });
});
