import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { redactUrl } from "../core/config.ts";
import { loadConfig } from "./config.ts";
import { createLogger } from "./logger.ts";
import { migrateOrExit } from "./migrations.ts";
import { connectRedis } from "./redis-client.ts";

/**
 * `npm start`: the whole stack on one machine. Checks Redis and PostgreSQL,
 * applies migrations, then runs the web server and the consumer as two child
 * processes, as the containers run them.
 */
const config = loadConfig("web");
const logger = createLogger(config, "vote-start");
const redis = await connectRedis(config, logger, "start");
await redis.quit();
await migrateOrExit(config, "vote-start");

const consumerPort = config.port + 1;
const children: ChildProcess[] = [run("web.js", {}), run("consumer.js", { PORT: String(consumerPort) })];

console.log(
  [
    "",
    `  Vote:     http://localhost:${config.port}/vote`,
    `  Results:  http://localhost:${config.port}/result`,
    `  API:      http://localhost:${config.port}/api/results`,
    `  Metrics:  http://localhost:${config.port}/metrics (web), http://localhost:${consumerPort}/metrics (consumer)`,
    `  Redis ${redactUrl(config.redisUrl)}, PostgreSQL ${redactUrl(config.databaseUrl)}. Ctrl-C stops everything.`,
    "",
  ].join("\n"),
);

let stopping = false;
let failed = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    stopping = true;
    for (const child of children) child.kill("SIGTERM");
  });
}

function run(file: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [fileURLToPath(new URL(file, import.meta.url))], {
    stdio: "inherit",
    env: { ...process.env, ...env },
  });
  child.on("exit", (code, signal) => {
    if (!stopping) {
      failed = true;
      console.error(`${file} stopped (${signal ?? `exit ${code}`}); stopping the rest.`);
      stopping = true;
      for (const other of children) if (other !== child) other.kill("SIGTERM");
    }
    if (children.every((c) => c.exitCode !== null || c.signalCode !== null)) process.exit(failed ? 1 : 0);
  });
  return child;
}
