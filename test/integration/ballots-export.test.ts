import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJsonLogger } from "../../src/core/logger.ts";
import { buildWeb, saveDefaultPoll } from "../../src/node/compose.ts";
import { parseNodeConfig } from "../../src/node/config.ts";
import { createPostgresPollArchive } from "../../src/postgres/poll-archive.ts";
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from "../helpers/services.ts";

const VOTERS = 2_500;

describe("the ballots export", () => {
  let db: TestDatabase;
  let redis: TestRedis;
  let app: ReturnType<typeof buildWeb>;
  let poll: { id: string; manageToken: string };

  beforeAll(async () => {
    [db, redis] = await Promise.all([createTestDatabase(), createTestRedis()]);
    const config = parseNodeConfig({ REDIS_PREFIX: redis.prefix, POLL_CREATE_RATE_LIMIT: "0" });
    await saveDefaultPoll(config, db.sql);
    app = buildWeb(
      config,
      { redis: redis.client, sql: db.sql },
      { logger: createJsonLogger({}, "error", () => {}), hostname: "t" },
    );
    const created = await app.fetch(
      new Request("http://vote.test/api/polls", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ question: "Export?", options: ["Yes", "No"] }),
      }),
    );
    poll = (await created.json()) as typeof poll;
    await db.sql`
      INSERT INTO votes (poll_id, voter_id, choices, version, cast_at)
      SELECT ${poll.id}, gen_random_uuid()::text, ARRAY[CASE WHEN n % 2 = 0 THEN 'a' ELSE 'b' END], 1,
             timestamptz '2026-12-01T10:00:00Z' + n * interval '1 second'
      FROM generate_series(1, ${VOTERS}) AS n`;
  });
  afterAll(async () => {
    await Promise.all([db.drop(), redis.cleanup()]);
  });

  it("reads the ballots from a cursor, a chunk at a time, oldest first", async () => {
    const sizes: number[] = [];
    let previous = "";
    for await (const chunk of createPostgresPollArchive(db.sql).readBallots(poll.id)) {
      sizes.push(chunk.length);
      for (const row of chunk) {
        expect(row.castAt > previous).toBe(true);
        previous = row.castAt;
      }
    }
    expect(sizes).toEqual([1_000, 1_000, 500]);
  });

  it("lets go of the cursor when the reader stops early, and the pool goes on", async () => {
    for await (const chunk of createPostgresPollArchive(db.sql).readBallots(poll.id)) {
      expect(chunk).toHaveLength(1_000);
      break;
    }
    const [row] = await db.sql<{ n: string }[]>`SELECT count(*) AS n FROM votes WHERE poll_id = ${poll.id}`;
    expect(Number(row?.n)).toBe(VOTERS);
  });

  it("streams every voter's line to the owner", async () => {
    const response = await app.fetch(
      new Request(`http://vote.test/api/polls/${poll.id}/ballots.csv`, {
        headers: { Authorization: `Bearer ${poll.manageToken}` },
      }),
    );
    expect(response.status).toBe(200);
    const lines = (await response.text()).split("\r\n").filter(Boolean);
    expect(lines[0]).toBe("voter,option_id,cast_at");
    expect(lines).toHaveLength(VOTERS + 1);
    expect(new Set(lines.slice(1).map((line) => line.split(",")[0])).size).toBe(VOTERS);
  });
});
