import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { README, ROOT, readmeSection, shellCommands } from "./render.ts";

/**
 * The backup CronJob and the restore template run these very scripts (the
 * backup component loads them with a configMapGenerator) with `sh`; here they
 * run the same way against the local PostgreSQL.
 */
const SCRIPTS = join(ROOT, "k8s/components/backup");
const SERVER = { host: "127.0.0.1", port: 5432, user: "postgres" };
const database = `k8s_backup_${process.pid}_${Date.now().toString(36)}`;
const admin = postgres({ ...SERVER, database: "postgres", max: 1, onnotice: () => {} });
let sql: postgres.Sql;
let backups: string;

function runScript(script: string, env: Record<string, string>) {
  const result = spawnSync("sh", [join(SCRIPTS, script)], {
    encoding: "utf8",
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      PGHOST: SERVER.host,
      PGPORT: String(SERVER.port),
      PGUSER: SERVER.user,
      PGDATABASE: database,
      BACKUP_DIR: backups,
      ...env,
    },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const dumps = () =>
  readdirSync(backups)
    .filter((name) => name.endsWith(".dump"))
    .sort();

async function snapshot() {
  const [counts] = await sql<[{ votes: number; tallied: number; migrations: number }]>`
    SELECT (SELECT count(*)::int FROM votes) AS votes,
           (SELECT coalesce(sum(votes), 0)::int FROM tallies) AS tallied,
           (SELECT count(*)::int FROM schema_migrations) AS migrations`;
  const perOption = await sql`SELECT option_id, votes::int FROM tallies WHERE votes > 0 ORDER BY option_id`;
  return { ...counts, perOption: perOption.map((row) => `${row.option_id}=${row.votes}`) };
}

beforeAll(async () => {
  await admin.unsafe(`CREATE DATABASE ${database}`);
  execFileSync(process.execPath, [join(ROOT, "dist/node/migrate.js")], {
    env: { ...process.env, DATABASE_URL: `postgres://${SERVER.user}@${SERVER.host}:${SERVER.port}/${database}` },
    stdio: "pipe",
  });
  sql = postgres({ ...SERVER, database, max: 2, onnotice: () => {} });
  // 300 voters, then 100 of them change their mind: the triggers move counts between options.
  await sql`
    INSERT INTO votes (poll_id, voter_id, choices, version, cast_at)
    SELECT 'default', 'voter-' || i, ARRAY[CASE WHEN i % 3 = 0 THEN 'b' ELSE 'a' END], 1, now()
    FROM generate_series(1, 300) AS i`;
  await sql`UPDATE votes SET choices = ARRAY['b'], version = 2 WHERE voter_id IN (SELECT 'voter-' || i FROM generate_series(1, 100) AS i)`;
});

beforeEach(() => {
  if (backups) rmSync(backups, { recursive: true, force: true });
  backups = mkdtempSync(join(tmpdir(), "k8s-backups-"));
});

afterAll(async () => {
  await sql?.end({ timeout: 5 });
  await admin.unsafe(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end({ timeout: 5 });
  if (backups) rmSync(backups, { recursive: true, force: true });
});

describe("the backup and restore scripts", () => {
  it("dump, lose every vote, restore the named dump: identical counts, same database", async () => {
    const before = await snapshot();
    const migrationFiles = readdirSync(join(ROOT, "migrations")).filter((file) => file.endsWith(".sql")).length;
    expect(before).toMatchObject({ votes: 300, tallied: 300, migrations: migrationFiles });

    const backup = runScript("backup.sh", { BACKUP_KEEP: "7" });
    expect(backup.stderr).toBe("");
    expect(backup.status).toBe(0);
    const [dump] = dumps();
    expect(dump).toMatch(new RegExp(`^${database}-\\d{8}T\\d{6}Z\\.dump$`));
    expect(JSON.parse(backup.stdout.trim().split("\n")[0]!)).toMatchObject({ event: "backup.done", file: dump });

    await sql`TRUNCATE votes, tallies`;
    expect(await snapshot()).toMatchObject({ votes: 0, tallied: 0 });
    const [{ oid: oidBefore }] = await sql<
      [{ oid: number }]
    >`SELECT oid FROM pg_database WHERE datname = current_database()`;

    // This test's own pool stays connected throughout, as the app's would: a
    // restore that dropped the database would fail against it.
    const restore = runScript("restore.sh", { RESTORE_FILE: dump! });
    expect(restore.stderr).toBe("");
    expect(restore.status).toBe(0);
    expect(JSON.parse(restore.stdout.trim())).toMatchObject({ event: "restore.done", file: dump, database });

    expect(await snapshot()).toEqual(before);
    const [{ oid: oidAfter }] = await sql<
      [{ oid: number }]
    >`SELECT oid FROM pg_database WHERE datname = current_database()`;
    expect(oidAfter).toBe(oidBefore);
  });

  it("restore `latest` brings back dropped tables and their triggers", async () => {
    const before = await snapshot();
    expect(runScript("backup.sh", {}).status).toBe(0);

    await sql`DROP TABLE tallies`;
    await sql`DROP TABLE votes`;
    const restore = runScript("restore.sh", { RESTORE_FILE: "latest" });
    expect(restore.stderr).toBe("");
    expect(restore.status).toBe(0);
    expect(await snapshot()).toEqual(before);

    // The trigger came back too: a new vote is counted.
    await sql`INSERT INTO votes (poll_id, voter_id, choices, version, cast_at) VALUES ('default', 'after-restore', ARRAY['a'], 1, now())`;
    expect((await snapshot()).tallied).toBe(before.tallied + 1);
    await sql`DELETE FROM votes WHERE voter_id = 'after-restore'`;
    await sql`UPDATE tallies SET votes = votes - 1 WHERE poll_id = 'default' AND option_id = 'a'`;
  });

  it("prunes all but the newest BACKUP_KEEP dumps and leaves other files alone", () => {
    const old = ["20240101T000000Z", "20250101T000000Z", "20250601T000000Z"].map(
      (stamp) => `${database}-${stamp}.dump`,
    );
    for (const name of [...old, "notes.txt", `other_db-20200101T000000Z.dump`]) writeFileSync(join(backups, name), "x");

    const backup = runScript("backup.sh", { BACKUP_KEEP: "2" });
    expect(backup.status).toBe(0);
    const ours = dumps().filter((name) => name.startsWith(`${database}-`));
    expect(ours).toHaveLength(2);
    expect(ours[0]).toBe(old[2]);
    expect(ours[1]!.slice(database.length + 1) > "20250601T000000Z").toBe(true);
    expect(readdirSync(backups)).toEqual(expect.arrayContaining(["notes.txt", "other_db-20200101T000000Z.dump"]));
    const pruned = backup.stdout
      .trim()
      .split("\n")
      .slice(1)
      .map((line) => JSON.parse(line));
    expect(pruned.map((line) => line.file).sort()).toEqual(old.slice(0, 2));
  });

  it("refuses a dump that doesn't exist or isn't whole, and changes nothing", async () => {
    const before = await snapshot();
    const missing = runScript("restore.sh", { RESTORE_FILE: `${database}-20000101T000000Z.dump` });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/restore\.no_file/);
    expect(runScript("restore.sh", { RESTORE_FILE: "../etc/passwd" }).status).toBe(2);
    expect(runScript("restore.sh", { RESTORE_FILE: "latest" }).status).toBe(2);

    expect(runScript("backup.sh", {}).status).toBe(0);
    const unnamed = runScript("restore.sh", {});
    expect(unnamed.status, "a restore must be told which dump").toBe(2);
    rmSync(join(backups, dumps()[0]!));

    expect(runScript("backup.sh", {}).status).toBe(0);
    const [dump] = dumps();
    const truncated = `${database}-20000101T000000Z.dump`;
    writeFileSync(join(backups, truncated), Buffer.from("PGDMP\u0001\u000e\u0000"));
    const broken = runScript("restore.sh", { RESTORE_FILE: truncated });
    expect(broken.status).not.toBe(0);
    expect(await snapshot()).toEqual(before);
    expect(dump).toBeDefined();
  });

  it("rejects a retention that isn't a positive number", () => {
    const backup = runScript("backup.sh", { BACKUP_KEEP: "0" });
    expect(backup.status).toBe(2);
    expect(dumps()).toEqual([]);
  });
});

describe("the README's database maintenance commands", () => {
  const IN_POD = "kubectl -n vote exec statefulset/db -c postgres -- psql -U vote -d votes ";

  it("run as written (psql's arguments as the shell parses them) against a database with the app's migrations", () => {
    const section = readmeSection(readFileSync(README, "utf8"), "Database maintenance");
    const commands = shellCommands(section).filter((command) => command.includes(" -- psql "));
    expect(commands.length).toBeGreaterThanOrEqual(4);
    expect(commands.join("\n")).toMatch(/VACUUM/);
    expect(commands.join("\n")).toMatch(/pg_indexes_size/);
    for (const command of commands) {
      expect(command.startsWith(IN_POD), command).toBe(true);
      const args = execFileSync("bash", ["-c", `printf '%s\\0' ${command.slice(IN_POD.length)}`], { encoding: "utf8" })
        .split("\0")
        .slice(0, -1);
      const result = spawnSync(
        "psql",
        [
          "-h",
          SERVER.host,
          "-p",
          String(SERVER.port),
          "-U",
          SERVER.user,
          "-d",
          database,
          "-v",
          "ON_ERROR_STOP=1",
          ...args,
        ],
        { encoding: "utf8" },
      );
      expect(result.stderr, command).not.toMatch(/ERROR/);
      expect(result.status, command).toBe(0);
    }
  });
});
