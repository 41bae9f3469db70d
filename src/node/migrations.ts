import { spawn } from "node:child_process";
import { resolveBinary } from "dbmate";
import type { NodeConfig } from "./config.ts";
import { connectPostgres, type Sql } from "./database.ts";
import { exitWith } from "./exit.ts";
import { MIGRATIONS } from "./schema.ts";

/** Any number, the same in every process: the advisory lock that lets one migration run at a time. */
const MIGRATION_LOCK = 7_263_111_042;
const LOOPBACK = /^(localhost|127\.[\d.]+|\[::1\]|::1)$/;

/**
 * dbmate's driver (lib/pq) uses TLS unless the URL says `sslmode=disable`.
 * A database on this machine (or a socket) without `sslmode` gets no TLS,
 * as postgres.js does; any other host keeps dbmate's default, TLS, so a
 * remote database is never migrated in the clear by accident.
 */
function forDbmate(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  const local = url.hostname === "" || LOOPBACK.test(url.hostname) || url.searchParams.has("host");
  if (!url.searchParams.has("sslmode") && local) url.searchParams.set("sslmode", "disable");
  return url.toString();
}

function runDbmate(databaseUrl: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      resolveBinary(),
      ["--no-dump-schema", "--migrations-dir", MIGRATIONS, "--migrations-table", "schema_migrations", "up"],
      { env: { ...process.env, DATABASE_URL: forDbmate(databaseUrl) }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code === 0) resolve(output.trim());
      else reject(new Error(output.trim() || `dbmate exited with ${code}`));
    });
  });
}

/**
 * Applies pending migrations with dbmate; re-running is a no-op. Holds a
 * PostgreSQL advisory lock on `sql` (a connection to the same database)
 * meanwhile, so pods that start together migrate one at a time and the
 * others find nothing left to do.
 */
export async function migrate(sql: Sql, databaseUrl: string): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
    const output = await runDbmate(databaseUrl);
    if (output) process.stdout.write(`${output}\n`);
  });
}

/** Checks that PostgreSQL answers, then migrates; any failure ends the process with one line. */
export async function migrateOrExit(config: NodeConfig, applicationName: string): Promise<void> {
  const sql = await connectPostgres({ ...config, databasePoolMax: 1 }, applicationName, { needsSchema: false });
  try {
    await migrate(sql, config.databaseUrl);
  } catch (error) {
    await sql.end({ timeout: 1 });
    exitWith(`Migration failed: ${(error as Error).message}`);
  }
  await sql.end({ timeout: 5 });
}
