import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, copyFileSync, cpSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { createClient } from "@redis/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { envOf, readDockerfile, shellOf } from "./dockerfile.ts";
import { ROOT } from "./render.ts";

/**
 * Runs the image's commands the way the container runs them, without Docker:
 * the image's /app (package.json, dist, public, migrations and the production
 * node_modules installed by the Dockerfile's own command) in a directory no
 * one may write to, the Dockerfile's ENV, a writable directory standing in
 * for the /tmp emptyDir, and the Dockerfile's numeric USER (when the tests
 * run as root, which can switch to it).
 */
const { stages } = readDockerfile();
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
const final = stages.at(-1)!;
const [uid, gid] = final.instructions.find((i) => i.op === "USER")!.args.split(":").map(Number) as [number, number];
const productionInstall = shellOf(
  stages.flatMap((s) => s.instructions).find((i) => i.op === "RUN" && i.args.includes("--omit=dev"))!.args,
);
const asImageUser = process.getuid?.() === 0 && existsSync("/usr/bin/setpriv");
if (!asImageUser) console.warn(`[k8s] not root: the container commands run as this user, not as uid ${uid}`);

const SERVER = { host: "127.0.0.1", port: 5432, user: "postgres" };
const database = `k8s_container_${process.pid}_${Date.now().toString(36)}`;
const redisPrefix = `k8s-container-${process.pid}-${Date.now().toString(36)}:`;
const admin = postgres({ ...SERVER, database: "postgres", max: 1, onnotice: () => {} });

let root: string;
let app: string;
let writable: string;
let bin: string;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** The container's environment: the Dockerfile's ENV with /tmp moved, plus what the Deployment sets. */
function containerEnv(extra: Record<string, string>): Record<string, string> {
  const env = Object.fromEntries(
    Object.entries(envOf(final)).map(([key, value]) => [key, value.replace(/^\/tmp(?=\/|$)/, writable)]),
  );
  return {
    ...env,
    PATH: `${bin}:/usr/local/bin:/usr/bin:/bin`,
    HOME: "/",
    TMPDIR: writable,
    DATABASE_URL: `postgres://${SERVER.user}@${SERVER.host}:${SERVER.port}/${database}`,
    REDIS_URL: "redis://127.0.0.1:6379",
    REDIS_PREFIX: redisPrefix,
    COOKIE_SECRET: "container-test-cookie-secret",
    APP_VERSION: "0.0.0-test",
    LOG_LEVEL: "info",
    ...extra,
  };
}

/** `command` as the container's process 1, as the image's user, in /app. */
function start(command: string[], extra: Record<string, string>): ChildProcess & { output: () => string } {
  const argv = asImageUser ? ["setpriv", `--reuid=${uid}`, `--regid=${gid}`, "--clear-groups", ...command] : command;
  const child = spawn(argv[0]!, argv.slice(1), { cwd: app, env: containerEnv(extra), stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  return Object.assign(child, { output: () => output });
}

function exited(child: ChildProcess, ms: number): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

async function waitFor(url: string, child: ChildProcess & { output: () => string }): Promise<Response> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}:\n${child.output()}`);
    try {
      const response = await fetch(url);
      if (response.ok) return response;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} never answered 200:\n${child.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function procStatus(pid: number, field: string): string {
  return readFileSync(`/proc/${pid}/status`, "utf8").match(new RegExp(`^${field}:\\s+(.*)$`, "m"))![1]!;
}

/** The processes `pid` started, with their command lines. */
function childrenOf(pid: number): { pid: number; command: string }[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
    readFileSync(`/proc/${pid}/task/${task}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map((child) => ({
        pid: Number(child),
        command: readFileSync(`/proc/${child}/cmdline`, "utf8").split("\0").filter(Boolean).join(" "),
      })),
  );
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "k8s-image-"));
  app = join(root, "app");
  writable = join(root, "tmp");
  bin = join(root, "bin");
  mkdirSync(app);
  mkdirSync(writable);
  mkdirSync(bin);
  for (const path of ["package.json", "package-lock.json", "dist", "public", "migrations"]) {
    cpSync(join(ROOT, path), join(app, path), { recursive: true });
  }
  execFileSync("sh", ["-c", productionInstall], { cwd: app, stdio: "pipe", env: { ...process.env, npm_config_loglevel: "error" } });
  // Node lives under /root here, out of the image user's reach: give it its own copy.
  try {
    linkSync(process.execPath, join(bin, "node"));
  } catch {
    copyFileSync(process.execPath, join(bin, "node"));
  }
  execFileSync("chmod", ["-R", "a+rX,a-w", app]);
  chmodSync(root, 0o755);
  chmodSync(bin, 0o755);
  chmodSync(writable, 0o1777);
  await admin.unsafe(`CREATE DATABASE ${database}`);
  execFileSync(process.execPath, [join(ROOT, "dist/node/migrate.js")], { env: { ...process.env, ...containerEnv({}) }, stdio: "pipe" });
}, 120_000);

afterAll(async () => {
  for (const name of [database, `${database}_migrate`]) await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end({ timeout: 5 });
  const redis = createClient({ url: "redis://127.0.0.1:6379" });
  await redis.connect();
  for await (const keys of redis.scanIterator({ MATCH: `${redisPrefix}*`, COUNT: 500 })) {
    if (keys.length > 0) await redis.del(keys);
  }
  await redis.quit();
  if (root) {
    execFileSync("chmod", ["-R", "u+w", root]);
    rmSync(root, { recursive: true, force: true });
  }
});

describe("the image's commands, run as the container runs them", () => {
  it("install production dependencies only, dbmate's platform binary included", () => {
    const modules = readdirSync(join(app, "node_modules"));
    expect(modules).toEqual(expect.arrayContaining(["hono", "postgres", "@redis", "prom-client", "htmx.org", "dbmate"]));
    expect(modules).not.toContain("vitest");
    expect(modules).not.toContain("typescript");
    expect(readdirSync(join(app, "node_modules/@dbmate")).some((name) => name.startsWith("linux-"))).toBe(true);
  });

  it("npm run migrate creates the tables, and again is a no-op", async () => {
    const fresh = `${database}_migrate`;
    await admin.unsafe(`CREATE DATABASE ${fresh}`);
    const url = `postgres://${SERVER.user}@${SERVER.host}:${SERVER.port}/${fresh}`;
    for (let run = 0; run < 2; run++) {
      const migrate = start(["npm", "run", "migrate"], { DATABASE_URL: url });
      expect(await exited(migrate, 60_000), migrate.output()).toBe(0);
      expect(migrate.output()).toContain("Migrations are up to date.");
    }
    const sql = postgres({ ...SERVER, database: fresh, max: 1 });
    const [row] = await sql`SELECT to_regclass('tallies') IS NOT NULL AS ready`;
    await sql.end();
    expect(row?.ready).toBe(true);
  });

  for (const [script, app_] of [
    ["start:web", "vote-web"],
    ["start:consumer", "vote-consumer"],
  ] as const) {
    it(`npm run ${script} answers /healthz as the image's user from a read-only tree, and stops cleanly on SIGTERM`, async () => {
      const port = await freePort();
      const child = start(["npm", "run", script], { PORT: String(port), SHUTDOWN_DELAY_MS: "200" });
      let started: { pid: number; command: string }[] = [];
      try {
        const health = await waitFor(`http://127.0.0.1:${port}/healthz`, child);
        expect(health.status).toBe(200);
        expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
        const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        expect(metrics).toContain(`app="${app_}"`);
        expect(metrics).toContain(`version="0.0.0-test"`);
        if (script === "start:web") {
          expect((await fetch(`http://127.0.0.1:${port}/static/htmx.min.js`)).status).toBe(200);
          expect((await fetch(`http://127.0.0.1:${port}/vote`)).status).toBe(200);
        }
        if (asImageUser) expect(procStatus(child.pid!, "Uid").split(/\s+/)[0]).toBe(String(uid));
        // bash as npm's script shell execs node, so npm's forwarded SIGTERM reaches node itself.
        started = childrenOf(child.pid!);
        expect(started.map((c) => c.command)).toEqual([pkg.scripts[script]]);
      } finally {
        child.kill("SIGTERM");
      }
      try {
        expect(await exited(child, 20_000), child.output()).toBe(0);
        expect(started.filter((c) => alive(c.pid)), "left running after npm exited").toEqual([]);
      } finally {
        for (const c of started) if (alive(c.pid)) process.kill(c.pid, "SIGKILL");
      }
      const lines = child.output().trim().split("\n");
      // npm is silent: every line is the app's JSON.
      expect(lines.filter((line) => !line.startsWith("{")), child.output()).toEqual([]);
      expect(lines.map((line) => JSON.parse(line).event)).toEqual(expect.arrayContaining(["shutdown.begin", "shutdown.done"]));
      expect(readdirSync(join(app))).toEqual(["dist", "migrations", "node_modules", "package-lock.json", "package.json", "public"]);
    });
  }
});
