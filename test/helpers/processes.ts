import { type ChildProcess, spawn } from "node:child_process";
import { ROOT } from "./root.ts";

export interface Started {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code or signal. */
  exited: Promise<number | NodeJS.Signals | null>;
}

/** Starts one of the built entry points (`dist/node/*.js`) as its own process. */
export function startEntry(entry: "web" | "consumer" | "start" | "migrate", env: Record<string, string>): Started {
  const child = spawn(process.execPath, [`dist/node/${entry}.js`], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.on("exit", (code, signal) => resolve(signal ?? code)),
  );
  return { child, output: () => output, exited };
}

/** Runs an npm script the way a user would, and collects what it printed. */
export function runScript(script: string, env: Record<string, string>, timeoutMs = 30_000) {
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    const npm = spawn("npm", ["run", "--silent", script], { cwd: ROOT, env: { ...process.env, ...env } });
    let output = "";
    npm.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    npm.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => npm.kill("SIGKILL"), timeoutMs);
    npm.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
