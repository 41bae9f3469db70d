import postgres from "postgres";
import { redactUrl } from "../core/config.ts";
import type { NodeConfig } from "./config.ts";
import { exitWith, reasonOf } from "./exit.ts";
import { latestMigration } from "./schema.ts";

/** A postgres.js pool. */
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
      `Cannot reach PostgreSQL at ${where} (${reasonOf(error)}). ` +
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
