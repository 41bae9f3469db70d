import { hostname } from "node:os";
import {
  type AppConfig,
  appConfig,
  ConfigError,
  type ConfigSource,
  readSettings,
  SETTING_GROUPS,
} from "../core/config.ts";
import { exitWith } from "./exit.ts";

/** Settings of the Node web and consumer processes. */
export interface NodeConfig extends AppConfig {
  databaseUrl: string;
  databasePoolMax: number;
  redisUrl: string;
  port: number;
  consumerName: string;
  consumerBatchSize: number;
  /** Batches the consumer writes at once. */
  consumerInFlight: number;
  consumerClaimIdleMs: number;
  /** How long a stopping web process keeps serving after failing /readyz. */
  shutdownDelayMs: number;
  /** Proxies in front of the web process that append to X-Forwarded-For; 0 trusts no forwarded header. */
  trustedProxyHops: number;
  /** How long the web server keeps an idle connection open: longer than the proxy in front keeps its own. */
  keepAliveTimeoutMs: number;
  /** How long a starting process waits for another one's migration to finish before giving up. */
  migrationLockTimeoutSeconds: number;
}

/**
 * The Node processes' settings (process.env in the entries); `role` says
 * which process reads them: only the web process signs cookies, so only it
 * needs COOKIE_SECRET in production. Throws ConfigError naming every bad variable.
 */
export function parseNodeConfig(
  env: ConfigSource,
  hostname = "local",
  role: "web" | "consumer" | "migrate" = "web",
): NodeConfig {
  const production = (env as { NODE_ENV?: unknown }).NODE_ENV === "production";
  const values = readSettings(env, SETTING_GROUPS.node, { requireCookieSecret: production && role === "web" });
  return {
    ...appConfig(values),
    databaseUrl: values.DATABASE_URL,
    databasePoolMax: values.DATABASE_POOL_MAX,
    redisUrl: values.REDIS_URL,
    port: values.PORT,
    consumerName: values.CONSUMER_NAME || hostname,
    consumerBatchSize: values.CONSUMER_BATCH_SIZE,
    consumerInFlight: values.CONSUMER_IN_FLIGHT,
    consumerClaimIdleMs: values.CONSUMER_CLAIM_IDLE_MS,
    shutdownDelayMs: values.SHUTDOWN_DELAY_MS,
    trustedProxyHops: values.TRUSTED_PROXY_HOPS,
    keepAliveTimeoutMs: values.KEEP_ALIVE_TIMEOUT_MS,
    migrationLockTimeoutSeconds: values.MIGRATION_LOCK_TIMEOUT_SECONDS,
  };
}

/** Parses the environment or exits naming every bad variable. */
export function loadConfig(role: "web" | "consumer" | "migrate"): NodeConfig {
  try {
    return parseNodeConfig(process.env, hostname(), role);
  } catch (error) {
    if (error instanceof ConfigError) {
      exitWith(`Configuration problems, nothing started:\n${error.problems.map((p) => `  - ${p}`).join("\n")}`);
    }
    throw error;
  }
}
