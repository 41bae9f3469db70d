import { createJsonLogger } from "../../src/core/logger.ts";
import { createPollLookup } from "../../src/core/poll-lookup.ts";
import { processVotes } from "../../src/core/process-votes.ts";
import { createDefaultPoll } from "../../src/domain/polls.ts";
import { buildWeb } from "../../src/node/compose.ts";
import { parseNodeConfig } from "../../src/node/config.ts";
import { createPostgresPollArchive } from "../../src/postgres/poll-archive.ts";
import { createPostgresVoteArchive } from "../../src/postgres/vote-archive.ts";
import { streamNames } from "../../src/redis/keys.ts";
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from "./services.ts";

/** The Node web app in this process, on a database and a key prefix of its own, and a consumer run by hand. */
export interface InProcessApp {
  db: TestDatabase;
  redis: TestRedis;
  web: ReturnType<typeof buildWeb>;
  /** A request to the app as if to http://vote.test. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** The consumer's work, done now: the stream's new ballots into PostgreSQL; each verdict's action, or its refusal's kind. */
  consume(): Promise<string[]>;
  close(): Promise<void>;
}

export async function startInProcessApp(settings: Record<string, string> = {}): Promise<InProcessApp> {
  const [db, redis] = await Promise.all([createTestDatabase(), createTestRedis()]);
  const config = parseNodeConfig({
    COOKIE_SECRET: "in-process-secret-0123456789",
    REDIS_PREFIX: redis.prefix,
    POLL_CREATE_RATE_LIMIT: "0",
    ...settings,
  });
  const web = buildWeb(
    config,
    { redis: redis.client, sql: db.sql },
    { logger: createJsonLogger({}, "error", () => {}), hostname: "t" },
  );
  const polls = createPollLookup({
    defaultPoll: createDefaultPoll("Cats", "Dogs"),
    source: createPostgresPollArchive(db.sql),
    ttlMs: 0,
  });
  const stream = streamNames(redis.prefix).stream;
  let consumed = "-";
  return {
    db,
    redis,
    web,
    request: async (path, init = {}) => web.fetch(new Request(`http://vote.test${path}`, init)),
    async consume() {
      const entries = ((await redis.client.xRange(stream, consumed, "+")) ?? []).filter(
        (entry) => entry?.id !== consumed,
      );
      consumed = entries.at(-1)?.id ?? consumed;
      const verdicts = await processVotes(
        entries.map((entry) => entry?.message.ballot),
        { archive: createPostgresVoteArchive(db.sql), polls },
      );
      return verdicts.map((verdict) => (verdict.action === "refused" ? verdict.refusal.kind : verdict.action));
    },
    async close() {
      await Promise.all([db.drop(), redis.cleanup()]);
    },
  };
}
