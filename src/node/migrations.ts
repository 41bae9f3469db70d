import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { resolveBinary } from "dbmate";
import type { NodeConfig } from "./config.ts";
import { connectPostgres, exitWith } from "./process.ts";

const MIGRATIONS = fileURLToPath(new URL("../../migrations", import.meta.url));

/**
 * dbmate's driver (lib/pq) insists on TLS unless told otherwise, while
 * postgres.js, which the app uses, doesn't. Both read the same DATABASE_URL,
 * so a URL without `sslmode` means what it means to postgres.js: no TLS.
 */
function forDbmate(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  if (!url.searchParams.has("sslmode")) url.searchParams.set("sslmode", "disable");
  return url.toString();
}

/** Applies pending migrations with dbmate; re-running is a no-op. */
export async function migrate(databaseUrl: string): Promise<void> {
  const result = spawnSync(
    resolveBinary(),
    ["--no-dump-schema", "--migrations-dir", MIGRATIONS, "--migrations-table", "schema_migrations", "up"],
    { env: { ...process.env, DATABASE_URL: forDbmate(databaseUrl) }, encoding: "utf8" },
  );
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim();
  if (result.status !== 0) throw new Error(output || `dbmate exited with ${result.status}`);
  if (output) process.stdout.write(`${output}\n`);
}

/** Checks that PostgreSQL answers, then migrates; any failure ends the process with one line. */
export async function migrateOrExit(config: NodeConfig, applicationName: string): Promise<void> {
  const sql = await connectPostgres(config, applicationName, { needsSchema: false });
  await sql.end();
  try {
    await migrate(config.databaseUrl);
  } catch (error) {
    exitWith(`Migration failed: ${(error as Error).message}`);
  }
}
