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

/** SQLSTATE of a lock wait that ran out of lock_timeout. */
const LOCK_NOT_AVAILABLE = "55P03";

/**
 * Applies pending migrations with dbmate; re-running is a no-op. Holds a
 * PostgreSQL advisory lock on `sql` (a connection to the same database)
 * meanwhile, so pods that start together migrate one at a time and the
 * others find nothing left to do. Waiting for that lock is bounded by its
 * own timeout, not by the connection's statement_timeout: a migration may
 * rightly take longer than a query, and a stuck one must not hold every
 * starting pod for ever.
 */
export async function migrate(sql: Sql, databaseUrl: string, lockTimeoutSeconds = 300): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`SELECT set_config('lock_timeout', ${`${lockTimeoutSeconds}s`}, true),
                    set_config('statement_timeout', '0', true)`;
    try {
      await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
    } catch (error) {
      if ((error as { code?: unknown }).code !== LOCK_NOT_AVAILABLE) throw error;
      throw new Error(
        `another process held the migration lock for more than ${lockTimeoutSeconds} s ` +
          "(MIGRATION_LOCK_TIMEOUT_SECONDS); is a migration stuck? See pg_locks where locktype = 'advisory'.",
      );
    }
    const output = await runDbmate(databaseUrl);
    if (output) process.stdout.write(`${output}\n`);
  });
}

/** Checks that PostgreSQL answers, then migrates; any failure ends the process with one line. */
export async function migrateOrExit(config: NodeConfig, applicationName: string): Promise<void> {
  const sql = await connectPostgres({ ...config, databasePoolMax: 1 }, applicationName, { needsSchema: false });
  try {
    await migrate(sql, config.databaseUrl, config.migrationLockTimeoutSeconds);
  } catch (error) {
    await sql.end({ timeout: 1 });
    exitWith(`Migration failed: ${(error as Error).message}`);
  }
  await sql.end({ timeout: 5 });
}
