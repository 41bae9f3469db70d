import postgres from "postgres";
import { redactUrl } from "../core/config.ts";
import { describeError } from "../core/logger.ts";
import type { Logger } from "../core/ports.ts";
import type { NodeConfig } from "./config.ts";
import { exitWith, reasonOf } from "./exit.ts";
import { latestMigration } from "./schema.ts";

/** A postgres.js pool. */
export type Sql = postgres.Sql;

/** Longest pause between two tries of a PostgreSQL that the web process found away at start. */
const RETRY_MAX_MS = 10_000;

/** A pool for this process; it connects on first use, so opening it needs no database. */
export function openPostgres(config: NodeConfig, applicationName: string): Sql {
  return postgres(config.databaseUrl, {
    max: config.databasePoolMax,
    connect_timeout: 5,
    idle_timeout: 60,
    onnotice: () => {},
    connection: { application_name: applicationName, statement_timeout: 30_000 },
  });
}

/**
 * Opens a pool and checks it once, or exits saying where it looked and how
 * to fix it: the consumer and the migrations can do nothing without the database.
 */
export async function connectPostgres(
  config: NodeConfig,
  applicationName: string,
  options: { needsSchema?: boolean } = {},
): Promise<Sql> {
  const sql = openPostgres(config, applicationName);
  try {
    await sql`SELECT 1`;
  } catch (error) {
    await sql.end({ timeout: 1 });
    exitWith(
      `Cannot reach PostgreSQL at ${redactUrl(config.databaseUrl)} (${reasonOf(error)}). ` +
        "Start PostgreSQL there, or set DATABASE_URL to where it runs.",
    );
  }
  if (options.needsSchema !== false) await requireSchema(sql, config);
  return sql;
}

/** Never run against a schema older than this code: its newest migration must be applied, else exit. */
async function requireSchema(sql: Sql, config: NodeConfig): Promise<void> {
  const latest = latestMigration();
  const [row] = await sql<{ applied: boolean }[]>`
    SELECT to_regclass('schema_migrations') IS NOT NULL
      AND EXISTS (SELECT 1 FROM schema_migrations WHERE version = ${latest}) AS applied`.catch((error: unknown) => {
    // No schema_migrations table at all (42P01): nothing was ever migrated.
    if ((error as { code?: unknown }).code === "42P01") return [{ applied: false }];
    throw error;
  });
  if (!row?.applied) {
    await sql.end({ timeout: 1 });
    exitWith(
      `PostgreSQL at ${redactUrl(config.databaseUrl)} lacks migration ${latest} that this code needs. ` +
        "Run `npm run migrate` first.",
    );
  }
}

/**
 * For the web process, which takes votes with Redis alone: starts at once,
 * and in the background waits for PostgreSQL to answer, then checks the
 * schema (exiting if it is older than this code, as at any start) and runs
 * `then` (writing the default poll), retrying with backoff meanwhile.
 */
export function whenPostgresAnswers(sql: Sql, config: NodeConfig, logger: Logger, then: () => Promise<void>): void {
  let delay = 500;
  let warned = false;
  const attempt = async (): Promise<void> => {
    try {
      await sql`SELECT 1`;
    } catch (error) {
      if (!warned) {
        warned = true;
        logger.warn("postgres.unreachable", {
          where: redactUrl(config.databaseUrl),
          ...describeError(error),
          effect: "votes are taken; results and polls wait for the database",
        });
      }
      setTimeout(attempt, delay).unref();
      delay = Math.min(delay * 2, RETRY_MAX_MS);
      return;
    }
    try {
      await requireSchema(sql, config);
      await then();
      if (warned) logger.info("postgres.reachable", { where: redactUrl(config.databaseUrl) });
    } catch (error) {
      logger.warn("postgres.start_failed", { ...describeError(error), retryInMs: delay });
      setTimeout(attempt, delay).unref();
      delay = Math.min(delay * 2, RETRY_MAX_MS);
    }
  };
  void attempt();
}
