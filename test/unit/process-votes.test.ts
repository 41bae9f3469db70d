import { describe, expect, it } from "vitest";
import { createPollLookup } from "../../src/core/poll-lookup.ts";
import { PermanentArchiveError } from "../../src/core/ports.ts";
import { processVotes, reportVerdicts, type Verdict } from "../../src/core/process-votes.ts";
import type { Ballot } from "../../src/domain/ballots.ts";
import { castRequest } from "../contract/ports/support.ts";
import { createMemoryLogger } from "../fakes/logger.ts";
import { createMemoryDatabase } from "../fakes/postgres.ts";
import { createMemoryRedis } from "../fakes/redis.ts";
import { countChoices } from "../helpers/invariants.ts";
import { defaultPoll, tea } from "../helpers/polls.ts";
import { chunk, deliveries, seeded, shuffle } from "../helpers/voting-history.ts";

const castAt = "2026-11-26T10:00:00.000Z";
const ballot = (voter: string, choice: string, version = 1, poll = "default"): Ballot => ({
  poll,
  voter,
  choices: [choice],
  version,
  castAt,
  revision: 0,
});
const voter = () => crypto.randomUUID();

/** The consumer's world: the record of polls and votes, the polls read from it (as the consumers do), a queue. */
async function setUp() {
  const database = createMemoryDatabase();
  await database.pollArchive.savePoll(defaultPoll);
  await database.pollArchive.createPoll(tea);
  const redis = createMemoryRedis();
  const deps = {
    archive: database.voteArchive,
    polls: createPollLookup({ defaultPoll, source: database.pollArchive, ttlMs: 0 }),
  };
  /** Casts through the memory ballot box: versions as the web tier gives them. */
  const cast = async (poll: string, who: string, choice: string) => {
    const result = await redis.ballotBox.cast(castRequest(poll, who, [choice], { castAt }), {
      address: "192.0.2.1",
      perAddress: 0,
      perVoter: 0,
      windowMs: 60_000,
    });
    if (!result.ok) throw new Error("refused by a limit that is off");
  };
  const tallies = async (poll = "default") =>
    Object.fromEntries(Object.entries((await database.voteArchive.readTallies(poll)).options).filter(([, n]) => n > 0));
  return { database, redis, deps, cast, tallies };
}

const actions = (verdicts: Verdict[]) => verdicts.map((verdict) => verdict.action);

describe("deciding a batch of queued votes", () => {
  it("applies valid ballots, one verdict per message in order", async () => {
    const { deps, tallies } = await setUp();
    const verdicts = await processVotes(
      [ballot(voter(), "a"), JSON.stringify(ballot(voter(), "b")), ballot(voter(), "a")],
      deps,
    );
    expect(verdicts).toEqual([{ action: "applied" }, { action: "applied" }, { action: "applied" }]);
    expect(await tallies()).toEqual({ a: 2, b: 1 });
  });

  it("refuses a ballot whose poll closed before it reached the database: never retried, never dead-lettered, not counted", async () => {
    const { database, redis, deps, cast, tallies } = await setUp();
    const early = voter();
    await cast(tea.id, early, "a");
    expect(actions(await processVotes(redis.drain(), deps))).toEqual(["applied"]);
    await cast(tea.id, early, "b");
    await cast(tea.id, voter(), "c");
    await database.pollArchive.setStatus(tea.id, "closed");
    const verdicts = await processVotes(redis.drain(), deps);
    expect(verdicts).toEqual([
      { action: "refused", refusal: { kind: "poll-closed", poll: tea.id } },
      { action: "refused", refusal: { kind: "poll-closed", poll: tea.id } },
    ]);
    expect(await tallies(tea.id)).toEqual({ a: 1 });
  });

  it("dead-letters a malformed message with what is wrong with it, and applies the rest", async () => {
    const { deps, tallies } = await setUp();
    const good = ballot(voter(), "b");
    const verdicts = await processVotes(
      ["{not json", null, [good], { ...good, voter: "../../etc/passwd" }, { ...good, version: 0 }, good],
      deps,
    );
    expect(verdicts.slice(0, 5)).toEqual(
      ["not JSON", "not an object", "not an object", "bad voter", "bad version"].map((problem) => ({
        action: "dead-letter",
        refusal: { kind: "malformed", problem },
      })),
    );
    expect(verdicts[5]).toEqual({ action: "applied" });
    expect(await tallies()).toEqual({ b: 1 });
  });

  it("dead-letters a ballot of a poll that can't exist, or for an option its poll doesn't have; refuses one of a deleted poll", async () => {
    const { deps, tallies } = await setUp();
    const verdicts = await processVotes(
      [
        ballot(voter(), "a", 1, "not a poll id"),
        ballot(voter(), "zebra"),
        ballot(voter(), "c", 1, tea.id),
        ballot(voter(), "a", 1, "NoSuchPoll01"),
      ],
      deps,
    );
    expect(verdicts).toEqual([
      { action: "dead-letter", refusal: { kind: "unknown-poll", poll: "not a poll id" } },
      { action: "dead-letter", refusal: { kind: "unknown-option", poll: "default", choice: "zebra" } },
      { action: "applied" },
      { action: "refused", refusal: { kind: "poll-deleted", poll: "NoSuchPoll01" } },
    ]);
    expect(await tallies()).toEqual({});
    expect(await tallies(tea.id)).toEqual({ c: 1 });
  });

  it("isolates each ballot the database refuses by splitting the batch, and applies all the others", async () => {
    const { database, deps, tallies } = await setUp();
    const [bad, worse] = [voter(), voter()];
    database.refuseVoter(bad);
    database.refuseVoter(worse);
    const batch = Array.from({ length: 12 }, () => ballot(voter(), "a"));
    batch.splice(3, 0, ballot(bad, "b"));
    batch.splice(10, 0, ballot(worse, "b"));
    const verdicts = await processVotes(batch, deps);
    verdicts.forEach((verdict, i) => {
      if (i === 3 || i === 10) {
        expect(verdict).toMatchObject({ action: "dead-letter", refusal: { kind: "database-refused" } });
      } else expect(verdict).toEqual({ action: "applied" });
    });
    expect(await tallies()).toEqual({ a: 12 });
  });

  it("retries every message when the polls can't be looked up, since no ballot can be judged", async () => {
    const { database, deps, tallies } = await setUp();
    database.fail();
    const verdicts = await processVotes([ballot(voter(), "a", 1, tea.id), "{not json"], deps);
    expect(actions(verdicts)).toEqual(["retry", "retry"]);
    database.recover();
    expect(await tallies(tea.id)).toEqual({});
  });

  it("retries the valid ballots when the database fails, with its error, and still dead-letters what can never apply", async () => {
    const { database, redis } = await setUp();
    // Polls from the vote store's copy, so only the archive is away.
    await redis.pollStore.writePoll(tea);
    const deps = {
      archive: database.voteArchive,
      polls: createPollLookup({ defaultPoll, source: redis.pollStore, ttlMs: 0 }),
    };
    const away = new Error("connection terminated");
    database.fail(away);
    const verdicts = await processVotes([ballot(voter(), "a", 1, tea.id), "{not json", ballot(voter(), "b")], deps);
    expect(verdicts[0]).toEqual({ action: "retry", cause: away });
    expect(verdicts[1]).toMatchObject({ action: "dead-letter" });
    expect(verdicts[2]).toEqual({ action: "retry", cause: away });
    expect(verdicts.some((v) => v.action === "retry" && v.cause instanceof PermanentArchiveError)).toBe(false);
  });

  it("applies a voter's newest ballot whatever order they come in, and a redelivery changes nothing", async () => {
    const { deps, tallies } = await setUp();
    const [x, y] = [voter(), voter()];
    const batch = [ballot(x, "b", 3), ballot(y, "a", 1), ballot(x, "a", 1), ballot(x, "a", 2)];
    expect(actions(await processVotes(batch, deps))).toEqual(["applied", "applied", "applied", "applied"]);
    expect(actions(await processVotes([...batch].reverse(), deps))).toEqual([
      "applied",
      "applied",
      "applied",
      "applied",
    ]);
    expect(await tallies()).toEqual({ a: 1, b: 1 });
  });

  it("leaves the tallies equal to every voter's last choice, however the queue shuffles, repeats and batches ballots", async () => {
    for (const seed of [1, 2, 3, 5, 8, 13, 21, 34]) {
      const random = seeded(seed);
      const { database, redis, deps, cast, tallies } = await setUp();
      const last = new Map<string, string>();
      const voters = Array.from({ length: 60 }, voter);
      // Voters change their minds, in the default poll and in tea, through the ballot box (real versions).
      for (let i = 0; i < 300; i++) {
        const who = voters[Math.floor(random() * voters.length)]!;
        const poll = random() < 0.5 ? defaultPoll : tea;
        const choice = poll.options[Math.floor(random() * poll.options.length)]!.id;
        await cast(poll.id, who, choice);
        last.set(`${poll.id} ${who}`, choice);
      }
      const queue = deliveries(redis.drain(), random, 0.5);
      for (const batch of chunk(queue, () => 1 + Math.floor(random() * 40))) {
        const verdicts = await processVotes(shuffle(batch, random), deps);
        expect(verdicts.every((verdict) => verdict.action === "applied")).toBe(true);
      }
      for (const poll of [defaultPoll, tea]) {
        const choices = [...last].filter(([key]) => key.startsWith(`${poll.id} `)).map(([, choice]) => choice);
        expect(await tallies(poll.id), `seed ${seed}, poll ${poll.id}`).toEqual(countChoices(choices));
        expect(countChoices([...database.storedChoices(poll.id).values()].flat())).toEqual(countChoices(choices));
      }
    }
  });
});

describe("reporting a batch's verdicts", () => {
  it("logs one line per refused or dead-lettered message, with its id and reason, and counts each way", () => {
    const logger = createMemoryLogger();
    const counts = reportVerdicts(
      logger,
      [
        { action: "applied" },
        { action: "refused", refusal: { kind: "poll-closed", poll: tea.id } },
        { action: "dead-letter", refusal: { kind: "malformed", problem: "not JSON" } },
        { action: "retry", cause: new Error("away") },
        { action: "applied" },
      ],
      ["m0", "m1", "m2", "m3", "m4"],
    );
    expect(counts).toEqual({ applied: 2, refused: 1, deadLettered: 1, retried: 1 });
    expect(logger.lines).toEqual([
      {
        level: "warn",
        event: "vote.refused",
        fields: { id: "m1", reason: `poll ${tea.id} is closed: its counts are final` },
      },
      { level: "warn", event: "vote.dead_lettered", fields: { id: "m2", reason: "malformed: not JSON" } },
    ]);
  });
});
