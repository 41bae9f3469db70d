// `npm run dev`: the Cloudflare Workers target on this machine, offline.
// Starts the Upstash REST bridge in front of the local Redis, applies the
// migrations to the database wrangler's Hyperdrive points at, then runs the
// web Worker and the queue consumer together under `wrangler dev`.
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { redactUrl } from "../src/core/config.ts";
import { migrate } from "../src/node/migrations.ts";
import { startUpstashBridge } from "./upstash-bridge.ts";

const root = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

if (!existsSync(root(".dev.vars"))) {
  copyFileSync(root(".dev.vars.example"), root(".dev.vars"));
  console.log("dev: created .dev.vars from .dev.vars.example (local secrets; git ignores it)");
}
const vars = Object.fromEntries(
  readFileSync(root(".dev.vars"), "utf8")
    .split("\n")
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1).trim()]),
);
// UPSTASH_BRIDGE_PORT and PORT move the bridge and the Worker (the browser test runs its own copy).
const bridgeUrl = new URL(vars.UPSTASH_REDIS_REST_URL ?? "http://127.0.0.1:8079");
if (process.env.UPSTASH_BRIDGE_PORT) bridgeUrl.port = process.env.UPSTASH_BRIDGE_PORT;
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const databaseUrl =
  process.env.CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE ??
  /localConnectionString\s*=\s*"([^"]+)"/.exec(readFileSync(root("wrangler.toml"), "utf8"))?.[1] ??
  "postgres://postgres:postgres@127.0.0.1:5432/postgres";

function stop(message: string): never {
  console.error(message);
  process.exit(1);
}

const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
try {
  await migrate(sql, databaseUrl);
  await sql.end();
} catch (error) {
  stop(
    `dev: cannot migrate PostgreSQL at ${redactUrl(databaseUrl)} (${(error as Error).message.split("\n")[0]}). ` +
      "Start PostgreSQL, or set CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE.",
  );
}

let bridge: Awaited<ReturnType<typeof startUpstashBridge>>;
try {
  bridge = await startUpstashBridge({
    redisUrl,
    token: vars.UPSTASH_REDIS_REST_TOKEN ?? "local-dev-token",
    port: Number(bridgeUrl.port || 8079),
    host: bridgeUrl.hostname,
  });
} catch (error) {
  stop(
    `dev: cannot start the Upstash bridge for Redis at ${redactUrl(redisUrl)} (${(error as Error).message}). Start Redis, or set REDIS_URL.`,
  );
}
console.log(`dev: Upstash bridge ${bridge.url} -> ${redactUrl(redisUrl)}; PostgreSQL ${redactUrl(databaseUrl)}`);

const port = process.env.PORT ?? "8787";
// Anything after `npm run dev --` goes to wrangler dev (for example `--var REDIS_PREFIX:demo:`).
const wrangler = spawn(
  process.execPath,
  [
    root("node_modules/wrangler/bin/wrangler.js"),
    "dev",
    "-c",
    "wrangler.toml",
    "-c",
    "workers/consumer/wrangler.toml",
    "--port",
    port,
    "--ip",
    "127.0.0.1",
    // wrangler.toml routes the Worker to its custom domain; locally it must see the address it is
    // reached at (localhost:8787), or its links and QR codes would point at the production domain.
    "--infer-origin-from-routes=false",
    "--var",
    `UPSTASH_REDIS_REST_URL:${bridge.url}`,
    ...process.argv.slice(2),
  ],
  {
    cwd: root(""),
    stdio: "inherit",
    env: { ...process.env, CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: databaseUrl },
  },
);
console.log(`dev: http://localhost:${port}/vote and http://localhost:${port}/result (Ctrl-C stops everything)`);

for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => wrangler.kill(signal));
wrangler.on("exit", async (code) => {
  await bridge.close();
  process.exit(code ?? 0);
});
