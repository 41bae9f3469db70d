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

/** How the database's schema compares with this code's newest migration. */
type SchemaState = "current" | "older" | "missing";

async function schemaState(sql: Sql): Promise<SchemaState> {
  const latest = latestMigration();
  const rows = await sql<{ applied: boolean }[]>`
    SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ${latest}) AS applied`.catch((error: unknown) => {
    // No schema_migrations table at all (42P01): nothing was ever migrated.
    if ((error as { code?: unknown }).code === "42P01") return undefined;
    throw error;
  });
  if (!rows) return "missing";
  return rows[0]?.applied ? "current" : "older";
}

function schemaMessage(config: NodeConfig): string {
  return (
    `PostgreSQL at ${redactUrl(config.databaseUrl)} lacks migration ${latestMigration()} that this code needs. ` +
    "Run `npm run migrate` first."
  );
}

/** Never run against a schema older than this code: its newest migration must be applied, else exit. */
async function requireSchema(sql: Sql, config: NodeConfig): Promise<void> {
  if ((await schemaState(sql)) !== "current") {
    await sql.end({ timeout: 1 });
    exitWith(schemaMessage(config));
  }
}

/**
 * For the web process, which takes votes with Redis alone: starts at once,
 * and in the background waits for PostgreSQL to answer, then checks the
 * schema and runs `then` (writing the default poll), retrying with backoff
 * meanwhile. A database never migrated stops the process, as at any start;
 * one migrated, but not yet to this code's newest migration (a rollout whose
 * migration is still running), makes `schemaOlder` true until it is, so the
 * process is not ready meanwhile instead of crashing in a loop.
 */
export function whenPostgresAnswers(
  sql: Sql,
  config: NodeConfig,
  logger: Logger,
  then: () => Promise<void>,
): { schemaOlder(): boolean } {
  let delay = 500;
  let warned = false;
  let older = false;
  const retry = () => {
    setTimeout(attempt, delay).unref();
    delay = Math.min(delay * 2, RETRY_MAX_MS);
  };
  async function attempt(): Promise<void> {
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
      return retry();
    }
    try {
      const state = await schemaState(sql);
      if (state === "missing") {
        await sql.end({ timeout: 1 });
        exitWith(schemaMessage(config));
      }
      if (state === "older") {
        if (!older) logger.warn("postgres.schema_older", { waitingFor: latestMigration(), effect: "not ready" });
        older = true;
        return retry();
      }
      older = false;
      await then();
      if (warned) logger.info("postgres.reachable", { where: redactUrl(config.databaseUrl) });
    } catch (error) {
      logger.warn("postgres.start_failed", { ...describeError(error), retryInMs: delay });
      retry();
    }
  }
  void attempt();
  return { schemaOlder: () => older };
}
