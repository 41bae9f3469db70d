import { describe, expect, it } from "vitest";
import {
  authorizeManager,
  createPoll,
  exportBallots,
  POLL_CREATE_WINDOW_MS,
  type PollDeps,
  setPollStatus,
} from "../../src/core/manage-polls.ts";
import { createPollLookup } from "../../src/core/poll-lookup.ts";
import type { Poll } from "../../src/domain/polls.ts";
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
    const outcome = await createPoll(deps, { question: "Tea or coffee?", options: ["Tea", "Coffee"], client });
    if (!outcome.ok) throw new Error(`not created: ${outcome.reason}`);
    calls.length = 0;
    return outcome;
  };
  return { clock, database, redis, calls, deps, lookup, create };
}

describe("creating a poll", () => {
  it("writes it to the archive first, then the vote store: ids a, b, c in order, open, the token kept only as its hash", async () => {
    const { deps, calls, database, redis } = await setUp();
    const outcome = await createPoll(deps, {
      question: "  Tea or coffee?  ",
      options: ["Tea", " Coffee ", "Water"],
      client: "203.0.113.9",
    });
    // Trimmed, options a, b, c in the order given, open: the poll `tea` under a new id.
    const poll: Poll = { ...tea, id: "poll00000001" };
    expect(outcome).toEqual({ ok: true, poll, manageToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    expect(calls).toEqual(["archive.createPoll", "store.writePoll"]);
    expect(await database.pollArchive.readPoll(poll.id)).toEqual(poll);
    expect(await redis.pollStore.readPoll(poll.id)).toEqual(poll);
    const token = outcome.ok ? outcome.manageToken : "";
    expect(await database.pollArchive.readManageTokenHash(poll.id)).toBe(await sha256Hex(token));
  });

  it("refuses a bad draft naming the field, writing nothing and counting nothing against the limit", async () => {
    const { deps, calls } = await setUp(1);
    expect(await createPoll(deps, { question: "", options: ["Tea", "Coffee"], client: "203.0.113.9" })).toMatchObject({
      ok: false,
      reason: "invalid",
      field: "question",
    });
    expect(await createPoll(deps, { question: "?", options: ["Tea", "tea"], client: "203.0.113.9" })).toMatchObject({
      ok: false,
      reason: "invalid",
      field: "options",
    });
    expect(calls).toEqual([]);
    expect((await createPoll(deps, { question: "?", options: ["a", "b"], client: "203.0.113.9" })).ok).toBe(true);
  });

  it("takes POLL_CREATE_RATE_LIMIT polls per client an hour, then says when to come back; each client counts alone", async () => {
    const { deps, create, clock, calls } = await setUp(2);
    await create();
    await create();
    const input = { question: "One more?", options: ["Yes", "No"], client: "203.0.113.9" };
    expect(await createPoll(deps, input)).toEqual({ ok: false, reason: "rate-limited", retryAfter: 3_600 });
    expect(calls).toEqual([]);
    expect((await createPoll(deps, { ...input, client: "198.51.100.1" })).ok).toBe(true);
    clock.advance(POLL_CREATE_WINDOW_MS);
    expect((await createPoll(deps, input)).ok).toBe(true);
  });

  it("writes nothing to the vote store when the archive fails", async () => {
    const { deps, calls, database } = await setUp();
    database.fail();
    await expect(createPoll(deps, { question: "?", options: ["a", "b"], client: undefined })).rejects.toThrow();
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
      { poll: poll.id, voter, choice: "a", version: 1, castAt },
      { poll: poll.id, voter, choice: "b", version: 2, castAt },
    ]);
    const exported = await exportBallots(deps, poll.id, manageToken);
    expect(exported).toMatchObject({ ok: true, poll });
    const rows = [];
    if (exported.ok) for await (const chunk of exported.rows) rows.push(...chunk);
    expect(rows).toEqual([{ voter: expect.stringMatching(/^[0-9a-f]{64}$/), option: "b", castAt }]);
    expect(await exportBallots(deps, poll.id, undefined)).toEqual({ ok: false, reason: "no-token" });
    expect(await exportBallots(deps, "default", manageToken)).toEqual({ ok: false, reason: "wrong-token" });
  });
});
