import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBallotBox } from "../../src/cloudflare/ballot-box.ts";
import { createChoiceRecorder } from "../../src/cloudflare/choice-recorder.ts";
import { createCookieSigner } from "../../src/cloudflare/cookie-signer.ts";
import { createPollStore } from "../../src/cloudflare/poll-store.ts";
import { createRateLimiter } from "../../src/cloudflare/rate-limiter.ts";
import { createRedisClient } from "../../src/cloudflare/redis-client.ts";
import { createVoteStore } from "../../src/cloudflare/vote-store.ts";
import { createJsonLogger } from "../../src/core/logger.ts";
import { UnavailableError } from "../../src/core/ports.ts";
import { pollFromDraft } from "../../src/domain/polls.ts";
import { createApp } from "../../src/http/app.ts";
import { parseNodeConfig } from "../../src/node/config.ts";
import { createPostgresPollArchive } from "../../src/postgres/poll-archive.ts";
import { startUpstashBridge, type UpstashBridge } from "../../tools/upstash-bridge.ts";
import { castRequest } from "../contract/ports/support.ts";
import { type FullRedis, startFullRedis } from "../helpers/own-redis.ts";
import { draft } from "../helpers/polls.ts";
import {
  createTestDatabase,
  createTestRedis,
  REDIS_URL,
  type TestDatabase,
  type TestRedis,
} from "../helpers/services.ts";

/** Upstash's documented refusals, word for word (upstash.com/docs/redis/troubleshooting). */
const UPSTASH_REFUSALS = [
  "ERR DB capacity quota exceeded",
  "ERR max requests limit exceeded. Limit: 500000, Usage: 500000",
  "ERR max daily request limit exceeded",
  "ERR max concurrent connections exceeded",
];

const limits = { address: "192.0.2.1", perAddress: 0, perVoter: 0, windowMs: 60_000 };
const errorOf = (work: () => Promise<unknown>) =>
  work().then(
    () => undefined,
    (error: unknown) => error,
  );

describe("the Workers adapters when the vote store is full", () => {
  let full: FullRedis;
  let bridge: UpstashBridge;
  const token = `test-token-${randomBytes(8).toString("hex")}`;
  beforeAll(async () => {
    full = await startFullRedis();
    bridge = await startUpstashBridge({ redisUrl: full.url, token, port: 0, log: () => {} });
  });
  afterAll(async () => {
    await bridge.close();
    await full.stop();
  });

  it("refuses the vote as unavailable for now (a 503 with Retry-After), writing nothing", async () => {
    const recorder = createChoiceRecorder(createRedisClient(bridge.url, token), "full:", 3_600);
    const refused = await errorOf(() => recorder.record(castRequest("default", randomUUID(), ["a"]), limits));
    expect(refused).toBeInstanceOf(UnavailableError);
    expect((refused as UnavailableError).retryAfterSeconds).toBeGreaterThan(0);
    expect(await full.client.dbSize()).toBe(0);
  });
});

describe.each(UPSTASH_REFUSALS)("the Workers adapters when Upstash answers %j", (message) => {
  let redis: TestRedis;
  let db: TestDatabase;
  let bridge: UpstashBridge;
  const token = `test-token-${randomBytes(8).toString("hex")}`;
  let refusing = false;
  beforeAll(async () => {
    [redis, db] = await Promise.all([createTestRedis(), createTestDatabase()]);
    bridge = await startUpstashBridge({
      redisUrl: REDIS_URL,
      token,
      port: 0,
      log: () => {},
      refuse: () => (refusing ? message : undefined),
    });
  });
  afterAll(async () => {
    refusing = false;
    await bridge.close();
    await Promise.all([redis.cleanup(), db.drop()]);
  });

  it("turns it into UnavailableError in every adapter: the vote, the poll, the choice, the limit", async () => {
    const client = createRedisClient(bridge.url, token);
    const poll = pollFromDraft("Refused0001a", draft("Refused?", ["Yes", "No"]));
    const polls = createPollStore(client, redis.prefix, 600);
    await polls.writePoll(poll);
    refusing = true;
    const attempts = [
      () => createChoiceRecorder(client, redis.prefix, 600).record(castRequest(poll.id, randomUUID(), ["a"]), limits),
      () => polls.readPoll(poll.id),
      () => polls.writePoll(poll),
      () => createVoteStore(client, redis.prefix).currentChoices(poll.id, randomUUID()),
      () => createRateLimiter(client, redis.prefix, { scope: "polls", limit: 5, windowMs: 60_000 }).take("192.0.2.1"),
    ];
    for (const attempt of attempts) {
      const error = await errorOf(attempt);
      expect(error).toBeInstanceOf(UnavailableError);
      expect((error as UnavailableError).retryAfterSeconds).toBeGreaterThan(0);
    }
    refusing = false;
  });

  it("answers 503 with Retry-After through the app, in the voter's words on the vote path", async () => {
    const client = createRedisClient(bridge.url, token);
    const config = parseNodeConfig({ REDIS_PREFIX: redis.prefix });
    const poll = pollFromDraft("Refused0001b", draft("Refused?", ["Yes", "No"]));
    const pollStore = createPollStore(client, redis.prefix, 600);
    await pollStore.writePoll(poll);
    const app = createApp({
      config,
      voteStore: createVoteStore(client, redis.prefix),
      ballotBox: createBallotBox(
        createChoiceRecorder(client, redis.prefix, 600),
        {
          publish: () => Promise.reject(new Error("the queue is never reached when Upstash refuses")),
        },
        createJsonLogger({}, "error", () => {}),
      ),
      readTallies: async () => ({ options: {}, participants: 0 }),
      pollStore,
      pollArchive: createPostgresPollArchive(db.sql),
      logger: createJsonLogger({}, "error", () => {}),
      hostname: "test",
      readiness: {},
      cookieSigner: createCookieSigner(config.cookieSecret),
    });
    refusing = true;
    const vote = await app.fetch(
      new Request(`http://vote.test/p/${poll.id}/vote`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: "vote=a",
      }),
    );
    const page = await app.fetch(new Request(`http://vote.test/api/polls/${poll.id}`));
    refusing = false;
    expect(vote.status).toBe(503);
    expect(Number(vote.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await vote.text()).toMatch(/Votes can(&#39;|')t be taken right now/);
    expect(page.status).toBe(503);
    expect(Number(page.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await page.json()).toEqual({ error: "This can't be done right now; please try again in a few seconds." });
  });
});
