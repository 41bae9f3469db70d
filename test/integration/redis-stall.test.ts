import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJsonLogger } from "../../src/core/logger.ts";
import { buildWeb, type Served, saveDefaultPoll } from "../../src/node/compose.ts";
import { parseNodeConfig } from "../../src/node/config.ts";
import { createRedisClient, type RedisClient } from "../../src/node/redis-client.ts";
import { votersKey } from "../../src/redis/keys.ts";
import { heldChoices } from "../../src/redis/vote-args.ts";
import { type OwnRedis, startOwnRedis } from "../helpers/own-redis.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/services.ts";

const form = { "content-type": "application/x-www-form-urlencoded" };
const QUEUE_LIMIT = 3;

/**
 * A Redis that stops answering without closing its connections (paused,
 * partitioned, swapping): the web process, whose client has no per-command
 * timeout (src/node/web.ts), still answers every request, with 503 and
 * Retry-After once the deadline has passed (at once when too many commands
 * wait already), and takes votes again when Redis is back.
 */
describe("the web process while Redis stops answering", () => {
  let own: OwnRedis;
  let db: TestDatabase;
  let redis: RedisClient;
  let web: Served;

  beforeAll(async () => {
    [own, db] = await Promise.all([startOwnRedis(), createTestDatabase()]);
    const config = parseNodeConfig({ COOKIE_SECRET: "stall-test-secret-0123456789", REDIS_URL: own.url });
    await saveDefaultPoll(config, db.sql);
    // As src/node/web.ts makes it, with room for only a few waiting commands.
    redis = createRedisClient(own.url, () => {}, { commandTimeoutMs: 0, queueLimit: QUEUE_LIMIT });
    await redis.connect();
    web = buildWeb(config, { redis, sql: db.sql }, { logger: createJsonLogger({}, "error", () => {}), hostname: "t" });
  });

  afterAll(async () => {
    process.kill(own.pid, "SIGCONT");
    await redis.quit().catch(() => {});
    await Promise.all([own.stop(), db.drop()]);
  });

  const vote = async (choice: string, cookie?: string): Promise<Response> =>
    web.fetch(
      new Request("http://localhost/vote", {
        method: "POST",
        body: `vote=${choice}`,
        headers: cookie ? { ...form, cookie } : form,
      }),
    );

  it("answers 503 with Retry-After to a vote and to the ballot, then votes again once Redis is back", async () => {
    const first = await vote("a");
    expect(first.status).toBe(200);
    const cookie = first.headers.getSetCookie()[0]?.split(";")[0] as string;

    process.kill(own.pid, "SIGSTOP");
    const [stalledVote, stalledBallot] = await Promise.all([
      vote("b", cookie),
      web.fetch(new Request("http://localhost/vote", { headers: { cookie } })),
    ]);
    process.kill(own.pid, "SIGCONT");

    for (const response of [stalledVote, stalledBallot]) {
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("5");
      expect(await response.text()).toContain("please try again");
    }
    // Past the queue's limit a request is refused at once instead of waiting for the deadline.
    process.kill(own.pid, "SIGSTOP");
    const burst = Array.from({ length: QUEUE_LIMIT + 5 }, () => vote("a", cookie).then((r) => r.status));
    const refusedAtOnce = await Promise.race([
      Promise.all(burst.slice(QUEUE_LIMIT)),
      new Promise<"waited">((resolve) => setTimeout(() => resolve("waited"), 2_000)),
    ]);
    expect(refusedAtOnce).toEqual(Array(5).fill(503));
    process.kill(own.pid, "SIGCONT");
    expect(await Promise.all(burst)).toHaveLength(QUEUE_LIMIT + 5);

    const again = await vote("b", cookie);
    expect(again.status).toBe(200);
    const voter = cookie.split("=")[1]?.split(".")[0] ?? "";
    expect(heldChoices(await redis.hGet(votersKey("vote:", "default"), voter))).toEqual(["b"]);
  });
});
