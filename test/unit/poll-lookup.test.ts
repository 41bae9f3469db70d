import { describe, expect, it } from "vitest";
import { createPollLookup, findPoll } from "../../src/core/poll-lookup.ts";
import type { PollStore } from "../../src/core/ports.ts";
import type { Poll } from "../../src/domain/polls.ts";
import { createManualClock } from "../fakes/clock.ts";
import { createMemoryDatabase } from "../fakes/postgres.ts";
import { createMemoryRedis } from "../fakes/redis.ts";
import { defaultPoll, tea } from "../helpers/polls.ts";

/** A poll store that counts its reads, and holds them until released when asked to. */
function countingStore(store: PollStore) {
  const reads: string[] = [];
  let held: (() => void)[] | undefined;
  return {
    reads,
    hold: () => {
      held = [];
    },
    release: () => {
      for (const go of held ?? []) go();
      held = undefined;
    },
    store: {
      async readPoll(id: string) {
        reads.push(id);
        if (held) await new Promise<void>((go) => held?.push(go));
        return store.readPoll(id);
      },
      writePoll: (poll: Poll) => store.writePoll(poll),
    },
  };
}

function setUp(ttlMs = 1_000, limit?: number) {
  const clock = createManualClock();
  const redis = createMemoryRedis();
  const database = createMemoryDatabase();
  const source = countingStore(redis.pollStore);
  const lookup = createPollLookup({
    defaultPoll,
    source: source.store,
    reload: (id) => database.pollArchive.readPoll(id),
    ttlMs,
    now: clock.ms,
    ...(limit === undefined ? {} : { limit }),
  });
  return { clock, redis, database, source, lookup };
}

describe("the poll lookup", () => {
  it("answers the default poll without looking anything up", async () => {
    const { lookup, source } = setUp();
    expect(await lookup.find("default")).toBe(defaultPoll);
    expect(source.reads).toEqual([]);
  });

  it("looks nothing up for what can't be a poll id", async () => {
    const { lookup, source } = setUp();
    for (const id of ["../etc/passwd", "short", 12, null, undefined, "", "x".repeat(13)]) {
      expect(await lookup.find(id)).toBeUndefined();
    }
    expect(source.reads).toEqual([]);
  });

  it("remembers a poll for ttlMs, then reads it again, so a change elsewhere arrives within that time", async () => {
    const { lookup, source, redis, clock } = setUp(1_000);
    await redis.pollStore.writePoll(tea);
    expect(await lookup.find(tea.id)).toEqual(tea);
    await redis.pollStore.writePoll({ ...tea, status: "closed" });
    clock.advance(999);
    expect((await lookup.find(tea.id))?.status).toBe("open");
    clock.advance(1);
    expect((await lookup.find(tea.id))?.status).toBe("closed");
    expect(source.reads).toEqual([tea.id, tea.id]);
  });

  it("remembers a poll the record doesn't have for unknownTtlMs, far longer than a poll", async () => {
    const { lookup, source, clock } = setUp(1_000);
    expect(await lookup.find(tea.id)).toBeUndefined();
    expect(await lookup.find(tea.id)).toBeUndefined();
    expect(source.reads).toHaveLength(1);
    clock.advance(1_000);
    expect(await lookup.find(tea.id)).toBeUndefined();
    expect(source.reads).toHaveLength(1);
    expect(lookup.remembers(tea.id)).toBe(true);
    clock.advance(59_000);
    expect(lookup.remembers(tea.id)).toBe(false);
    await lookup.find(tea.id);
    expect(source.reads).toHaveLength(2);
  });

  it("rations reloads: past the budget an id the store lacks is unknown for now, and asked again after ttlMs", async () => {
    const clock = createManualClock();
    const redis = createMemoryRedis();
    const database = createMemoryDatabase();
    await database.pollArchive.createPoll(tea);
    let budget = 0;
    const lookup = createPollLookup({
      defaultPoll,
      source: redis.pollStore,
      reload: (id) => database.pollArchive.readPoll(id),
      mayReload: () => budget-- > 0,
      ttlMs: 1_000,
      now: clock.ms,
    });
    expect(await lookup.find(tea.id)).toBeUndefined();
    budget = 1;
    expect(await lookup.find(tea.id)).toBeUndefined();
    clock.advance(1_000);
    expect(await lookup.find(tea.id)).toEqual(tea);
    expect(await redis.pollStore.readPoll(tea.id)).toEqual(tea);
  });

  it("has one lookup in flight per poll, however many requests ask at once", async () => {
    const { lookup, source, redis } = setUp();
    const coffee = { ...tea, id: "CoffeeOrTea1" };
    await redis.pollStore.writePoll(tea);
    await redis.pollStore.writePoll(coffee);
    source.hold();
    const answers = Promise.all(Array.from({ length: 40 }, (_, i) => lookup.find(i % 2 === 0 ? tea.id : coffee.id)));
    source.release();
    const polls = await answers;
    expect(source.reads.sort()).toEqual([coffee.id, tea.id]);
    expect(polls.filter((poll) => poll?.id === tea.id)).toHaveLength(20);
  });

  it("reloads a poll the store lost from the record, and writes it back so the store heals", async () => {
    const { lookup, redis, database, clock } = setUp();
    await database.pollArchive.createPoll(tea);
    expect(await redis.pollStore.readPoll(tea.id)).toBeUndefined();
    expect(await lookup.find(tea.id)).toEqual(tea);
    expect(await redis.pollStore.readPoll(tea.id)).toEqual(tea);
    // From now on the store answers: the record isn't read again.
    database.fail();
    clock.advance(1_000);
    expect(await lookup.find(tea.id)).toEqual(tea);
  });

  it("answers undefined for a poll missing from the store when it has no record to reload from", async () => {
    const redis = createMemoryRedis();
    const lookup = createPollLookup({ defaultPoll, source: redis.pollStore, ttlMs: 1_000 });
    expect(await lookup.find(tea.id)).toBeUndefined();
  });

  it("doesn't remember a failed lookup", async () => {
    const { lookup, redis } = setUp(60_000);
    await redis.pollStore.writePoll(tea);
    redis.fail();
    await expect(lookup.find(tea.id)).rejects.toThrow();
    redis.recover();
    expect(await lookup.find(tea.id)).toEqual(tea);
  });

  it("forgets a poll on demand, so a change made by this process is seen at once", async () => {
    const { lookup, redis } = setUp(60_000);
    await redis.pollStore.writePoll(tea);
    await lookup.find(tea.id);
    await redis.pollStore.writePoll({ ...tea, status: "closed" });
    lookup.forget(tea.id);
    expect((await lookup.find(tea.id))?.status).toBe("closed");
  });

  it("remembers at most `limit` polls, the one looked up longest ago going first", async () => {
    const { lookup, source, redis } = setUp(60_000, 2);
    const ids = ["PollNumber01", "PollNumber02", "PollNumber03"];
    for (const id of ids) await redis.pollStore.writePoll({ ...tea, id });
    for (const id of ids) await lookup.find(id);
    await lookup.find(ids[2]);
    await lookup.find(ids[0]);
    expect(source.reads).toEqual([...ids, ids[0]]);
  });
});

describe("finding the poll a client named", () => {
  it("is the default poll when the client named none", async () => {
    const { lookup, source } = setUp();
    for (const none of [undefined, null, ""]) expect(await findPoll(lookup, none)).toBe(defaultPoll);
    expect(source.reads).toEqual([]);
  });

  it("is the poll named, or undefined when there is no such poll", async () => {
    const { lookup, redis } = setUp();
    await redis.pollStore.writePoll(tea);
    expect(await findPoll(lookup, tea.id)).toEqual(tea);
    expect(await findPoll(lookup, "NoSuchPoll01")).toBeUndefined();
  });
});
