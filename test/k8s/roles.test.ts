import { execFileSync, spawnSync } from "node:child_process";
import { createHash, createHmac, pbkdf2Sync } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pollFromDraft } from "../../src/domain/polls.ts";
import { draft } from "../helpers/polls.ts";
import { POSTGRES_ADMIN_URL, uniqueName } from "../helpers/services.ts";
import { latestMigration, migrate, pollArchive, voteArchive } from "./app.ts";
import { K8S } from "./render.ts";

/**
 * The PostgreSQL roles of k8s/base/postgres, made by the very roles.sh the db
 * pod runs and granted by the very grants.sql the consumers' init container
 * runs, on the real migrations applied as the owner role. Role names carry a
 * prefix of their own (roles are global to the server, which other tests share).
 */
const SCRIPTS = join(K8S, "base/postgres");
const server = new URL(POSTGRES_ADMIN_URL);
const prefix = uniqueName("k8s");
const database = `${prefix}_votes`;
const roles = ["owner", "web", "consumer", "exporter", "backup"] as const;
type Role = (typeof roles)[number];
const passwords = Object.fromEntries(roles.map((role) => [role, `pw-${role}-${Math.random().toString(36).slice(2)}`]));
const admin = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {} });
const work = mkdtempSync(join(tmpdir(), "k8s-roles-"));
const open: postgres.Sql[] = [];

function url(role: Role, db = database): string {
  const u = new URL(POSTGRES_ADMIN_URL);
  u.username = `${prefix}_${role}`;
  u.password = passwords[role]!;
  u.pathname = `/${db}`;
  return u.toString();
}

function connect(role: Role): postgres.Sql {
  const sql = postgres(url(role), { max: 1, onnotice: () => {} });
  open.push(sql);
  return sql;
}

/** roles.sh as the db pod runs it: the superuser, the password files, the roles file (with this test's prefix). */
function runRoles(db = database) {
  const passwordDir = join(work, "passwords");
  rmSync(passwordDir, { recursive: true, force: true });
  execFileSync("mkdir", ["-p", passwordDir]);
  for (const role of roles) writeFileSync(join(passwordDir, `DB_${role.toUpperCase()}_PASSWORD`), passwords[role]!);
  const rolesFile = join(work, "roles.env");
  writeFileSync(
    rolesFile,
    readFileSync(join(SCRIPTS, "roles.env"), "utf8").replace(/^DB_ROLE_PREFIX=.*$/m, `DB_ROLE_PREFIX=${prefix}`),
  );
  return spawnSync("sh", [join(SCRIPTS, "roles.sh")], {
    encoding: "utf8",
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      POSTGRES_USER: decodeURIComponent(server.username),
      POSTGRES_DB: db,
      PGHOST: server.hostname,
      PGPORT: server.port || "5432",
      DB_PASSWORDS_DIR: passwordDir,
      DB_ROLES_FILE: rolesFile,
    },
  });
}

/** grants.sql as the owner runs it after migrating. */
function runGrants(db = database) {
  return spawnSync(
    "psql",
    [
      url("owner", db),
      "-v",
      "ON_ERROR_STOP=1",
      "-v",
      `web=${prefix}_web`,
      "-v",
      `consumer=${prefix}_consumer`,
      "--single-transaction",
      "--quiet",
      "-f",
      join(SCRIPTS, "grants.sql"),
    ],
    { encoding: "utf8" },
  );
}

/**
 * Whether `password` is the one PostgreSQL stored for `role` (its SCRAM-SHA-256
 * verifier, RFC 5802): the local test server trusts every connection, so a
 * login can't tell.
 */
async function holdsPassword(role: string, password: string): Promise<boolean> {
  const [row] = await admin<
    { verifier: string }[]
  >`SELECT rolpassword AS verifier FROM pg_authid WHERE rolname = ${role}`;
  const match = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):/.exec(row?.verifier ?? "");
  if (!match) return false;
  const salted = pbkdf2Sync(password, Buffer.from(match[2]!, "base64"), Number(match[1]), 32, "sha256");
  const stored = createHash("sha256").update(createHmac("sha256", salted).update("Client Key").digest()).digest();
  return stored.toString("base64") === match[3];
}

async function refusal(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    return (error as Error).message;
  }
  return "(allowed)";
}

const DENIED = /permission denied|must be owner|must be superuser|privileges of|Only roles with|must have admin option/;

beforeAll(async () => {
  await admin.unsafe(`CREATE DATABASE ${database}`);
  const roles_ = runRoles();
  if (roles_.status !== 0) throw new Error(`roles.sh failed:\n${roles_.stderr}`);
  const owner = connect("owner");
  await migrate(owner, url("owner"));
  const grants = runGrants();
  if (grants.status !== 0) throw new Error(`grants.sql failed:\n${grants.stderr}`);
}, 60_000);

afterAll(async () => {
  for (const sql of open) await sql.end({ timeout: 1 });
  for (const db of [database, `${database}_old`]) await admin.unsafe(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  for (const role of roles) await admin.unsafe(`DROP ROLE IF EXISTS ${prefix}_${role}`);
  await admin.end({ timeout: 5 });
  rmSync(work, { recursive: true, force: true });
});

describe("the PostgreSQL roles, made by roles.sh and grants.sql against the real server", () => {
  it("are five login roles, none a superuser or able to create roles or databases, with the configured connection limits", async () => {
    const rows = await admin<
      {
        rolname: string;
        rolsuper: boolean;
        rolcreaterole: boolean;
        rolcreatedb: boolean;
        rolcanlogin: boolean;
        rolconnlimit: number;
      }[]
    >`
      SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolcanlogin, rolconnlimit FROM pg_roles
      WHERE rolname LIKE ${`${prefix}\\_%`} ORDER BY rolname`;
    const limits = Object.fromEntries(
      [...readFileSync(join(SCRIPTS, "roles.env"), "utf8").matchAll(/^DB_(\w+)_CONNECTION_LIMIT=(\d+)$/gm)].map((m) => [
        `${prefix}_${m[1]!.toLowerCase()}`,
        Number(m[2]),
      ]),
    );
    expect(rows.map((r) => r.rolname).sort()).toEqual(roles.map((r) => `${prefix}_${r}`).sort());
    for (const row of rows) {
      expect([row.rolsuper, row.rolcreaterole, row.rolcreatedb, row.rolcanlogin], row.rolname).toEqual([
        false,
        false,
        false,
        true,
      ]);
      expect(row.rolconnlimit, row.rolname).toBe(limits[row.rolname]);
    }
  });

  it("let the owner role run the real migrations (dbmate), and own what they made", async () => {
    const owner = connect("owner");
    const [row] = await owner<{ applied: boolean; owner: string }[]>`
      SELECT EXISTS (SELECT FROM schema_migrations WHERE version = ${latestMigration()}) AS applied,
             (SELECT tableowner FROM pg_tables WHERE tablename = 'votes') AS owner`;
    expect(row).toEqual({ applied: true, owner: `${prefix}_owner` });
    expect(await refusal(() => owner`COPY (SELECT 1) TO PROGRAM 'true'`)).toMatch(DENIED);
    expect(await refusal(() => owner.unsafe(`ALTER ROLE ${prefix}_web SUPERUSER`))).toMatch(DENIED);
  });

  it("let the web role do what the web does: read results, create, save, close and export polls, check the schema", async () => {
    const web = connect("web");
    const polls = pollArchive(web);
    const poll = {
      ...pollFromDraft(
        "k8s-roles",
        draft("Roles?", ["A", "B"], { results: "hidden", closesAt: "2099-01-01T00:00:00.000Z" }),
      ),
      ownerTokenHash: "f".repeat(64),
    };
    await polls.createPoll(poll);
    await polls.savePoll({ ...poll, question: "Roles, really?" });
    expect(await polls.readPoll(poll.id)).toEqual({ ...poll, question: "Roles, really?" });
    expect((await polls.setStatus(poll.id, "closed"))?.status).toBe("closed");
    expect((await polls.setStatus(poll.id, "open"))?.status).toBe("open");
    expect((await polls.reveal(poll.id))?.revealed).toBe(true);
    // No ballot yet: the edit is written, and the revision grows.
    expect(await polls.editPoll({ ...poll, question: "Roles?" })).toMatchObject({ question: "Roles?", revision: 1 });
    const chunks = [];
    for await (const chunk of polls.readBallots(poll.id)) chunks.push(chunk);
    expect(chunks).toEqual([]);
    expect(await voteArchive(web).readTallies(poll.id)).toEqual({ options: {}, participants: 0 });
    await voteArchive(web).ping();
    // An owner's reset and delete: the web role drops a poll's ballots, counts and participants, then the poll.
    const spare = { ...poll, id: "k8s-roles-2" };
    await polls.createPoll(spare);
    const refused = await voteArchive(connect("consumer")).applyBallots([
      {
        poll: spare.id,
        voter: crypto.randomUUID(),
        choices: ["a"],
        version: 1,
        castAt: new Date().toISOString(),
        revision: 0,
      },
    ]);
    expect([...refused.values()]).toEqual([]);
    expect(await voteArchive(web).readTallies(spare.id)).toEqual({ options: { a: 1 }, participants: 1 });
    expect(await polls.resetPoll(spare.id)).toMatchObject({ revision: 1, countedFrom: 1 });
    expect(await voteArchive(web).readTallies(spare.id)).toEqual({ options: {}, participants: 0 });
    expect(await polls.deletePoll(spare.id)).toBe(true);
    expect(await polls.readPoll(spare.id)).toBeUndefined();
    const [row] =
      await web`SELECT EXISTS (SELECT FROM schema_migrations WHERE version = ${latestMigration()}) AS applied`;
    expect(row?.applied).toBe(true);
  });

  it("refuse the web role DDL, COPY ... PROGRAM, ALTER ROLE, and writing votes or counts", async () => {
    const web = connect("web");
    for (const statement of [
      "CREATE TABLE intruder (a int)",
      "CREATE TEMP TABLE intruder (a int)",
      "ALTER TABLE polls ADD COLUMN intruder int",
      "DROP TABLE votes",
      "CREATE FUNCTION intruder() RETURNS int LANGUAGE sql AS 'SELECT 1'",
      "COPY polls TO PROGRAM 'cat > /tmp/intruder'",
      "COPY (SELECT 1) TO PROGRAM 'true'",
      `ALTER ROLE ${prefix}_web SUPERUSER`,
      `ALTER ROLE ${prefix}_web CONNECTION LIMIT -1`,
      `ALTER ROLE ${prefix}_owner PASSWORD 'taken'`,
      `GRANT ${prefix}_owner TO ${prefix}_web`,
      "INSERT INTO tallies (poll_id, option_id, votes) VALUES ('k8s-roles', 'a', 1000)",
      "UPDATE votes SET choices = '{b}'",
      "UPDATE tallies SET votes = 1000",
      "UPDATE participants SET voters = 1000",
      "TRUNCATE votes",
    ]) {
      expect(await refusal(() => web.unsafe(statement)), statement).toMatch(DENIED);
    }
  });

  it("let the consumer role apply ballots (the triggers move the counts) and refuse it everything else", async () => {
    const consumer = connect("consumer");
    const castAt = new Date().toISOString();
    const refused = await voteArchive(consumer).applyBallots([
      { poll: "k8s-roles", voter: "v1", choices: ["a"], version: 1, castAt, revision: 1 },
      { poll: "k8s-roles", voter: "v2", choices: ["b"], version: 1, castAt, revision: 1 },
      { poll: "k8s-roles", voter: "v1", choices: ["b"], version: 2, castAt, revision: 1 },
    ]);
    expect([...refused.values()]).toEqual([]);
    expect(await voteArchive(connect("web")).readTallies("k8s-roles")).toEqual({ options: { b: 2 }, participants: 2 });
    expect((await pollArchive(consumer).readPoll("k8s-roles"))?.status).toBe("open");
    for (const statement of [
      "CREATE TABLE intruder (a int)",
      "COPY (SELECT 1) TO PROGRAM 'true'",
      `ALTER ROLE ${prefix}_consumer SUPERUSER`,
      "UPDATE polls SET status = 'closed'",
      "INSERT INTO polls (id, question, options) VALUES ('x', 'x', '[]')",
      "DELETE FROM votes",
    ]) {
      expect(await refusal(() => consumer.unsafe(statement)), statement).toMatch(DENIED);
    }
  });

  it("let the exporter role read the server's statistics (pg_monitor) and no data", async () => {
    const exporter = connect("exporter");
    const [activity] = await exporter`
      SELECT count(*) FILTER (WHERE query <> '<insufficient privilege>')::int AS visible, count(*)::int AS total
      FROM pg_stat_activity WHERE backend_type = 'client backend'`;
    expect(activity?.visible).toBe(activity?.total);
    await exporter`SELECT pg_database_size(current_database()), * FROM pg_stat_database LIMIT 1`;
    await exporter`SELECT * FROM pg_settings LIMIT 1`;
    for (const statement of [
      "SELECT * FROM votes",
      "SELECT * FROM polls",
      "CREATE TABLE intruder (a int)",
      "COPY (SELECT 1) TO PROGRAM 'true'",
    ]) {
      expect(await refusal(() => exporter.unsafe(statement)), statement).toMatch(DENIED);
    }
  });

  it("let the backup role dump with backup.sh (and write nothing), and the owner restore with restore.sh", async () => {
    const backupDir = mkdtempSync(join(work, "dumps-"));
    const env = (role: Role) => ({
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      PGHOST: server.hostname,
      PGPORT: server.port || "5432",
      PGUSER: `${prefix}_${role}`,
      PGPASSWORD: passwords[role]!,
      PGDATABASE: database,
      BACKUP_DIR: backupDir,
    });
    const dump = spawnSync("sh", [join(K8S, "components/backup/backup.sh")], { encoding: "utf8", env: env("backup") });
    expect(dump.stderr).toBe("");
    expect(dump.status).toBe(0);
    const backup = connect("backup");
    expect(await refusal(() => backup`DELETE FROM votes`)).toMatch(DENIED);
    const file = readdirSync(backupDir).find((f) => f.endsWith(".dump"))!;
    const restore = spawnSync("sh", [join(K8S, "components/backup/restore.sh")], {
      encoding: "utf8",
      env: { ...env("owner"), RESTORE_FILE: file },
    });
    expect(restore.stderr).toBe("");
    expect(restore.status).toBe(0);
    // The dump carries the grants: the web reads the restored counts.
    expect(await voteArchive(connect("web")).readTallies("k8s-roles")).toEqual({ options: { b: 2 }, participants: 2 });
  });

  it("store each role's password from its file, and a new one when roles.sh runs again", async () => {
    for (const role of roles) expect(await holdsPassword(`${prefix}_${role}`, passwords[role]!), role).toBe(true);
    const old = passwords.web!;
    passwords.web = `${old}-rotated`;
    expect(runRoles().status).toBe(0);
    expect(await holdsPassword(`${prefix}_web`, passwords.web)).toBe(true);
    expect(await holdsPassword(`${prefix}_web`, old)).toBe(false);
  });

  it("hand an older install's tables, made by the superuser, to the owner role, and grant them", async () => {
    const old = `${database}_old`;
    await admin.unsafe(`CREATE DATABASE ${old}`);
    const superuser = new URL(POSTGRES_ADMIN_URL);
    superuser.pathname = `/${old}`;
    const sql = postgres(superuser.toString(), { max: 1, onnotice: () => {} });
    open.push(sql);
    await migrate(sql, superuser.toString());
    expect(runRoles(old).stderr).toBe("");
    const [row] = await sql<{ owners: string[] }[]>`
      SELECT array_agg(DISTINCT tableowner) AS owners FROM pg_tables WHERE schemaname = 'public'`;
    expect(row?.owners).toEqual([`${prefix}_owner`]);
    const web = postgres(url("web", old), { max: 1, onnotice: () => {} });
    open.push(web);
    expect(await voteArchive(web).readTallies("default")).toEqual({ options: {}, participants: 0 });
  });
});

it("uses no leftover state of the shared server: its roles and databases are its own", async () => {
  // The prefix is this run's alone, and everything on the server under it was made by this file.
  expect(prefix).not.toBe(uniqueName("k8s"));
  const ours = await admin<{ rolname: string }[]>`SELECT rolname FROM pg_roles WHERE starts_with(rolname, ${prefix})`;
  expect(ours.map((row) => row.rolname).sort()).toEqual(roles.map((role) => `${prefix}_${role}`).sort());
  const databases = await admin<{ datname: string }[]>`
    SELECT datname FROM pg_database WHERE starts_with(datname, ${prefix})`;
  expect(databases.map((row) => row.datname)).toContain(database);
  expect(databases.every((row) => [database, `${database}_old`].includes(row.datname))).toBe(true);
});
