import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJsonLogger } from "../../src/core/logger.ts";
import { buildWeb, RESULTS_TTL_MS } from "../../src/node/compose.ts";
import { parseNodeConfig } from "../../src/node/config.ts";
import { streamNames } from "../../src/redis/keys.ts";
import { CookieJar } from "../helpers/cookie-jar.ts";
import { countChoices, storedChoicesByPoll, talliesAndVoteCountsByPoll } from "../helpers/invariants.ts";
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from "../helpers/services.ts";
import { startKillingConsumers } from "./consumer-chaos.ts";

const POLLS = 20;
const VOTERS = 300;
const POLLS_PER_VOTER = 4;
const VOTES_PER_POLL = 3;
const KILLS = 8;

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

interface CreatedPoll {
  id: string;
  options: string[];
  maxChoices: number;
}

describe("consumers killed with SIGKILL while votes pour into 20 user-created polls", () => {
  let db: TestDatabase;
  let redis: TestRedis;
  beforeAll(async () => {
    [db, redis] = await Promise.all([createTestDatabase(), createTestRedis()]);
  });
  afterAll(async () => {
    await Promise.all([db.drop(), redis.cleanup()]);
  });

  it("lose no vote in any poll: per poll, tallies equal every voter's last choice and SUM(tallies) = COUNT(votes)", async () => {
    // The creation limit is for strangers on the internet; this test is one client making twenty polls.
    const config = parseNodeConfig({
      COOKIE_SECRET: "chaos-test-secret-0123456789",
      REDIS_PREFIX: redis.prefix,
      POLL_CREATE_RATE_LIMIT: "0",
    });
    const names = streamNames(redis.prefix);
    let skewMs = 0;
    const app = buildWeb(
      config,
      { redis: redis.client, sql: db.sql },
      { logger: createJsonLogger({}, "error", () => {}), hostname: "chaos", now: () => Date.now() + skewMs },
    );

    // Twenty polls of 2 to 6 options, created through the API as any client would; every other
    // one of three or more options is multi-select (a ballot of 1 to 3 options).
    const polls: CreatedPoll[] = [];
    for (let p = 0; p < POLLS; p++) {
      const labels = Array.from({ length: 2 + (p % 5) }, (_, o) => `Answer ${o + 1} of poll ${p + 1}`);
      const maxChoices = p % 2 === 1 && labels.length >= 3 ? Math.min(3, labels.length) : 1;
      const response = await app.fetch(
        new Request("http://vote.test/api/polls", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ question: `Chaos poll ${p + 1}?`, options: labels, maxChoices }),
        }),
      );
      expect(response.status).toBe(201);
      const created = (await response.json()) as {
        id: string;
        status: string;
        options: { id: string; label: string }[];
        manageToken: string;
      };
      expect(created.status).toBe("open");
      expect(created.options.map((option) => option.label)).toEqual(labels);
      polls.push({ id: created.id, options: created.options.map((option) => option.id), maxChoices });
    }
    expect(new Set(polls.map((poll) => poll.id)).size).toBe(POLLS);
    expect(polls.filter((poll) => poll.maxChoices > 1).length).toBeGreaterThan(0);

    const chaos = startKillingConsumers(db, redis, KILLS);

    // Last accepted choices per poll, per voter: a set as its options joined with "," in the poll's order.
    const lastChoice = new Map<string, Map<string, string>>(polls.map((poll) => [poll.id, new Map()]));
    const options = (choices: Iterable<string>) => [...choices].flatMap((set) => set.split(","));
    let accepted = 0;
    const voters = Array.from({ length: VOTERS }, () => new CookieJar());

    /** One vote, half through the vote page's form, half through the JSON API. */
    async function vote(jar: CookieJar, poll: CreatedPoll, choices: string[]): Promise<void> {
      const viaForm = Math.random() < 0.5;
      const request = viaForm
        ? new Request(`http://vote.test/p/${poll.id}/vote`, {
            method: "POST",
            headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: jar.header() },
            body: choices.map((choice) => `vote=${choice}`).join("&"),
          })
        : new Request("http://vote.test/api/votes", {
            method: "POST",
            headers: { "Content-Type": "application/json", Cookie: jar.header() },
            body: JSON.stringify({ poll: poll.id, vote: choices.length === 1 ? choices[0] : choices }),
          });
      const response = await app.fetch(request);
      expect(response.status, `${request.method} ${new URL(request.url).pathname}`).toBe(viaForm ? 200 : 202);
      await response.arrayBuffer();
      jar.take(response);
      const inOrder = poll.options.filter((option) => choices.includes(option));
      lastChoice.get(poll.id)!.set(decodeURIComponent(jar.get("voter_id")!).split(".")[0]!, inOrder.join(","));
      accepted++;
    }

    // Twenty clients at once; each voter's votes stay in order (one worker per voter), and a
    // voter moves between their polls, changing their mind in each.
    const workers = Array.from({ length: 20 }, async (_, w) => {
      for (let v = w; v < voters.length; v += 20) {
        const jar = voters[v]!;
        const mine = shuffle([...polls]).slice(0, POLLS_PER_VOTER);
        const plan = shuffle(mine.flatMap((poll) => Array.from({ length: VOTES_PER_POLL }, () => poll)));
        for (const poll of plan) {
          // A multi-select ballot: 1 to maxChoices different options, sent in any order.
          const size = 1 + Math.floor(Math.random() * poll.maxChoices);
          await vote(jar, poll, shuffle([...poll.options]).slice(0, size));
        }
      }
    });
    await Promise.all(workers).catch(async (error) => {
      await chaos.abort();
      throw error;
    });
    expect(accepted).toBe(VOTERS * POLLS_PER_VOTER * VOTES_PER_POLL);
    expect(await chaos.drainAndStop()).toBeGreaterThanOrEqual(KILLS);

    const { tallies, counted } = await talliesAndVoteCountsByPoll(db.sql);
    const stored = await storedChoicesByPoll(db.sql);
    let voted = 0;
    for (const poll of polls) {
      const choices = lastChoice.get(poll.id)!;
      voted += choices.size;
      const expected = countChoices(options(choices.values()));
      expect(counted.get(poll.id) ?? {}, `votes rows of poll ${poll.id}`).toEqual(expected);
      expect(tallies.get(poll.id) ?? {}, `tallies of poll ${poll.id}`).toEqual(expected);
      expect(stored.get(poll.id) ?? new Map(), `stored choices of poll ${poll.id}`).toEqual(choices);
    }
    expect(voted).toBe(VOTERS * POLLS_PER_VOTER);
    // Nothing landed outside the twenty polls.
    expect([...tallies.keys(), ...counted.keys()].filter((id) => !lastChoice.has(id))).toEqual([]);
    const perPoll = await db.sql<{ poll_id: string; tallied: string; rows: string }[]>`
      SELECT p.id AS poll_id,
             (SELECT coalesce(sum(votes), 0) FROM tallies t WHERE t.poll_id = p.id) AS tallied,
             (SELECT count(*) FROM votes v WHERE v.poll_id = p.id) AS rows
      FROM polls p WHERE p.id <> 'default'`;
    expect(perPoll).toHaveLength(POLLS);
    for (const row of perPoll) {
      // Each ballot counts once per option it holds.
      const selections = options(lastChoice.get(row.poll_id)!.values()).length;
      expect(Number(row.tallied), `SUM(tallies) = the options of every ballot, poll ${row.poll_id}`).toBe(selections);
      expect(Number(row.rows)).toBe(lastChoice.get(row.poll_id)!.size);
    }
    expect(await redis.client.exists(names.deadLetters)).toBe(0);

    // And the app reports the same counts, once the counts it cached while votes poured in have expired.
    skewMs += RESULTS_TTL_MS;
    for (const poll of polls) {
      const response = await app.fetch(new Request(`http://vote.test/api/results?poll=${poll.id}`));
      const results = (await response.json()) as {
        total: number;
        participants: number;
        options: { id: string; votes: number }[];
      };
      const expected = countChoices(options(lastChoice.get(poll.id)!.values()));
      const reported = Object.fromEntries(results.options.filter((o) => o.votes > 0).map((o) => [o.id, o.votes]));
      expect(reported, `/api/results?poll=${poll.id}`).toEqual(expected);
      expect(results.total).toBe(options(lastChoice.get(poll.id)!.values()).length);
      expect(results.participants).toBe(lastChoice.get(poll.id)!.size);
    }
  });
});
