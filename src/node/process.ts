import { hostname } from "node:os";
import postgres from "postgres";
import { ConfigError, redactUrl } from "../core/config.ts";
import { createJsonLogger, describeError } from "../core/logger.ts";
import type { Logger } from "../core/ports.ts";
import { type NodeConfig, parseNodeConfig } from "./config.ts";
import { createRedisClient, type RedisClient, type RedisClientOptions } from "./redis-client.ts";
import { latestMigration } from "./schema.ts";

/** Stops the process with one line for a person to read: no stack trace. */
export function exitWith(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

/** Parses the environment or exits naming every bad variable. */
export function loadConfig(role: "web" | "consumer" | "migrate"): NodeConfig {
  try {
    return parseNodeConfig(process.env, hostname(), role);
  } catch (error) {
    if (error instanceof ConfigError) {
      exitWith(`Configuration problems, nothing started:\n${error.problems.map((p) => `  - ${p}`).join("\n")}`);
    }
    throw error;
  }
}

export function createLogger(config: NodeConfig, app: string): Logger {
  return createJsonLogger({ app, version: config.appVersion }, config.logLevel, createBatchedWriter());
}

/**
 * Writes log lines to stdout in batches: the lines of one turn of the event
 * loop go out in one write. stdout is a pipe in a container, and writes to a
 * pipe are synchronous in Node on Linux, so a line per request was a system
 * call per request (a tenth of the vote path's CPU). What is pending is
 * written on exit, so only a crash (SIGKILL) can lose the last turn's lines.
 */
function createBatchedWriter(write: (chunk: string) => void = (chunk) => process.stdout.write(chunk)) {
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const chunk = `${pending.join("\n")}\n`;
    pending = [];
    write(chunk);
  };
  process.on("exit", flush);
  return (line: string) => {
    if (pending.push(line) === 1) setImmediate(flush);
  };
}

function reason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === "string" && !message.includes(code) ? `${code}: ${message}` : message;
}

/** Connects to Redis, or exits saying where it looked and how to fix it. */
export async function connectRedis(
  config: NodeConfig,
  logger: Logger,
  name: string,
  options: RedisClientOptions = {},
): Promise<RedisClient> {
  let lastLogged = 0;
  const onError = (error: Error) => {
    // node-redis reports every failed reconnect; one line per 5 s is enough.
    if (Date.now() - lastLogged < 5_000) return;
    lastLogged = Date.now();
    logger.warn("redis.error", { client: name, ...describeError(error) });
  };
  const client = createRedisClient(config.redisUrl, onError, options);
  try {
    await client.connect();
  } catch (error) {
    exitWith(
      `Cannot reach Redis at ${redactUrl(config.redisUrl)} (${reason(error)}). ` +
        "Start Redis there, or set REDIS_URL to where it runs.",
    );
  }
  return client;
}

export type Sql = postgres.Sql;

/** Opens a PostgreSQL pool and checks it once, or exits saying where it looked and how to fix it. */
export async function connectPostgres(
  config: NodeConfig,
  applicationName: string,
  options: { needsSchema?: boolean } = {},
): Promise<Sql> {
  const sql = postgres(config.databaseUrl, {
    max: config.databasePoolMax,
    connect_timeout: 5,
    idle_timeout: 60,
    onnotice: () => {},
    connection: { application_name: applicationName, statement_timeout: 30_000 },
  });
  const where = redactUrl(config.databaseUrl);
  try {
    await sql`SELECT 1`;
  } catch (error) {
    await sql.end({ timeout: 1 });
    exitWith(
      `Cannot reach PostgreSQL at ${where} (${reason(error)}). ` +
        "Start PostgreSQL there, or set DATABASE_URL to where it runs.",
    );
  }
  if (options.needsSchema !== false) {
    // Never run against a schema older than this code: its newest migration must be applied.
    const latest = latestMigration();
    const [row] = await sql<{ applied: boolean }[]>`
      SELECT to_regclass('schema_migrations') IS NOT NULL
        AND EXISTS (SELECT 1 FROM schema_migrations WHERE version = ${latest}) AS applied`.catch(async () => [
      { applied: false },
    ]);
    if (!row?.applied) {
      await sql.end({ timeout: 1 });
      exitWith(`PostgreSQL at ${where} lacks migration ${latest} that this code needs. Run \`npm run migrate\` first.`);
    }
  }
  return sql;
}

/**
 * Runs `stop` once on SIGTERM or SIGINT (podinfo's order: fail readiness,
 * drain, close), and exits; a second signal or a stuck shutdown forces exit.
 */
export function onShutdown(logger: Logger, stop: (signal: string) => Promise<void>, forceAfterMs = 30_000): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info("shutdown.begin", { signal });
    setTimeout(() => {
      logger.error("shutdown.forced", { afterMs: forceAfterMs });
      process.exit(1);
    }, forceAfterMs).unref();
    stop(signal).then(
      () => {
        logger.info("shutdown.done");
        process.exit(0);
      },
      (error: unknown) => {
        logger.error("shutdown.failed", describeError(error));
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", handle);
  process.on("SIGINT", handle);
}
