import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./ports.ts";

/** A PostgreSQL server of the test's own, for failures the shared one must not suffer. */
export interface OwnPostgres {
  /** A superuser URL to its `postgres` database. */
  url: string;
  /** Every process of the server stops (SIGSTOP): connections hang, as with a frozen host or a dead network. */
  freeze(): void;
  /** The server's processes go on (SIGCONT). */
  thaw(): void;
  /** The server stops (fast shutdown): every connection is refused until `up`. */
  down(): void;
  /** The server starts again on the same data and port. */
  up(): void;
  stop(): Promise<void>;
}

/** Where Debian keeps PostgreSQL's programs: /usr/lib/postgresql/<major>/bin. */
function binaries(): string {
  const root = "/usr/lib/postgresql";
  const [major] = readdirSync(root).sort((x, y) => Number(y) - Number(x));
  if (!major) throw new Error(`no PostgreSQL under ${root}`);
  return join(root, major, "bin");
}

/** Runs a PostgreSQL program as the `postgres` user when we are root (initdb refuses root). */
function asPostgres(program: string, args: string[]): string {
  const command = process.getuid?.() === 0 ? ["runuser", "-u", "postgres", "--", program, ...args] : [program, ...args];
  return execFileSync(command[0] as string, command.slice(1), { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/**
 * Starts a private PostgreSQL cluster (initdb, trust auth, no fsync) on a
 * free port, on 127.0.0.1 only. A second or two; the shared server is never touched.
 */
export async function startOwnPostgres(): Promise<OwnPostgres> {
  const bin = binaries();
  const dir = mkdtempSync(join(tmpdir(), "own-postgres-"));
  chmodSync(dir, 0o777);
  const data = join(dir, "data");
  const port = await freePort();
  asPostgres(join(bin, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  const start = () =>
    asPostgres(join(bin, "pg_ctl"), ["-D", data, "-o", options, "-l", join(dir, "log"), "-w", "start"]);
  start();
  const postmaster = () => Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
  // The postmaster and every backend and helper it started.
  const signalAll = (signal: "STOP" | "CONT") => {
    const pid = postmaster();
    execFileSync("sh", ["-c", `kill -${signal} ${pid} $(pgrep -P ${pid}) 2>/dev/null || true`]);
  };
  let frozen = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    freeze() {
      frozen = true;
      signalAll("STOP");
    },
    thaw() {
      frozen = false;
      signalAll("CONT");
    },
    down() {
      asPostgres(join(bin, "pg_ctl"), ["-D", data, "-m", "fast", "-w", "stop"]);
    },
    up() {
      start();
    },
    async stop() {
      if (frozen) signalAll("CONT");
      if (existsSync(join(data, "postmaster.pid"))) {
        asPostgres(join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"]);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
