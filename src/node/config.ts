import { type AppConfig, ConfigReader, type ConfigSource, readAppConfig } from "../core/config.ts";

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
}

/** The Node processes' settings; `role` says which process reads them. */
export function parseNodeConfig(
  env: ConfigSource,
  hostname = "local",
  role: "web" | "consumer" | "migrate" = "web",
): NodeConfig {
  const read = new ConfigReader(env);
  const config: NodeConfig = {
    ...readAppConfig(read, env, role === "web"),
    databaseUrl: read.url("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres", ["postgres:", "postgresql:"]),
    databasePoolMax: read.integer("DATABASE_POOL_MAX", 10, 1, 100),
    redisUrl: read.url("REDIS_URL", "redis://127.0.0.1:6379", ["redis:", "rediss:"]),
    port: read.integer("PORT", 8080, 0, 65535),
    consumerName: read.text("CONSUMER_NAME", hostname),
    consumerBatchSize: read.integer("CONSUMER_BATCH_SIZE", 2_000, 1, 10_000),
    consumerInFlight: read.integer("CONSUMER_IN_FLIGHT", 2, 1, 8),
    consumerClaimIdleMs: read.integer("CONSUMER_CLAIM_IDLE_MS", 30_000, 100, 3_600_000),
    shutdownDelayMs: read.integer("SHUTDOWN_DELAY_MS", 0, 0, 60_000),
    trustedProxyHops: read.integer("TRUSTED_PROXY_HOPS", 0, 0, 10),
  };
  read.finish();
  return config;
}
