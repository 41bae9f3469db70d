import { createDefaultPoll, createPollCatalog, type PollCatalog } from "../domain/polls.ts";
import type { LogLevel } from "./logger.ts";

/** Where settings come from: process.env on Node, the bindings object on Workers. */
export type ConfigSource = object;

/** Thrown when the environment is missing or malformed; `problems` names every bad variable. */
export class ConfigError extends Error {
  override name = "ConfigError";
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration: ${problems.join("; ")}`);
    this.problems = problems;
  }
}

/** Which requests get an access-log line: every failure and every slow one, and a sample of the rest. */
export interface RequestLogPolicy {
  /** Share of ordinary requests logged, from 0 (none) to 1 (all). */
  sampleRate: number;
  /** A request at least this slow is always logged. */
  slowMs: number;
}

/** Settings both runtimes share. */
export interface AppConfig {
  polls: PollCatalog;
  cookieSecret: string;
  /** Votes per client address per minute (IPv6 by /64); 0 turns the limit off. */
  voteRateLimit: number;
  /** Votes per voter per minute; 0 turns the limit off. */
  voterRateLimit: number;
  logLevel: LogLevel;
  appVersion: string;
  /** Prefix of every Redis key, so several deployments (or tests) can share one Redis. */
  redisPrefix: string;
  /** How long a voter's current choice stays in Redis after their last vote (the database keeps it for good). */
  voterStateTtlSeconds: number;
  /** Which requests get an access-log line. */
  requestLog: RequestLogPolicy;
  /** Polls a client may create per hour; 0 turns the limit off. */
  pollCreateRateLimit: number;
  /** Where the app is reached from outside (for the links and QR codes of polls); else each request's own origin. */
  publicUrl: string | undefined;
}

const DEV_COOKIE_SECRET = "dev-only-cookie-secret-change-me";
const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

/** Reads variables one by one and remembers every problem, so start-up can name them all at once. */
export class ConfigReader {
  readonly problems: string[] = [];
  private readonly env: ConfigSource;
  constructor(env: ConfigSource) {
    this.env = env;
  }

  private raw(name: string): unknown {
    return (this.env as Record<string, unknown>)[name];
  }

  text(name: string, fallback: string | undefined, check?: (value: string) => string | undefined): string {
    const raw = this.raw(name);
    if (raw === undefined || raw === "") {
      if (fallback === undefined) this.problems.push(`${name} is required`);
      return fallback ?? "";
    }
    if (typeof raw !== "string") {
      this.problems.push(`${name} must be a string`);
      return fallback ?? "";
    }
    const problem = check?.(raw);
    if (problem) this.problems.push(`${name} ${problem}`);
    return raw;
  }

  fraction(name: string, fallback: number): number {
    const raw = this.text(name, String(fallback));
    const value = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(value) || value < 0 || value > 1) {
      this.problems.push(`${name} must be a number from 0 to 1 (got ${JSON.stringify(raw)})`);
      return fallback;
    }
    return value;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.text(name, String(fallback));
    if (!/^\d+$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max) {
      this.problems.push(`${name} must be a whole number from ${min} to ${max} (got ${JSON.stringify(raw)})`);
      return fallback;
    }
    return Number(raw);
  }

  url(name: string, fallback: string, protocols: readonly string[]): string {
    return this.text(name, fallback, (value) => {
      let parsed: URL;
      try {
        parsed = new URL(value);
      } catch {
        return `must be a URL like ${fallback}`;
      }
      return protocols.includes(parsed.protocol) ? undefined : `must start with ${protocols.join(" or ")}//`;
    });
  }

  finish(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }
}

function label(value: string): string | undefined {
  if (value.trim() === "") return "must not be blank";
  if (value.length > 100) return "must be at most 100 characters";
  return undefined;
}

/** The settings both runtimes share; `needsCookieSecret` is false for processes that sign no cookie. */
export function readAppConfig(read: ConfigReader, env: ConfigSource, needsCookieSecret = true): AppConfig {
  const optionA = read.text("OPTION_A", "Cats", label);
  const optionB = read.text("OPTION_B", "Dogs", label);
  if (optionA.trim() !== "" && optionA === optionB) read.problems.push("OPTION_A and OPTION_B must differ");
  // Only the web tier signs cookies: the consumer and the migrations don't need the secret.
  const production = needsCookieSecret && (env as { NODE_ENV?: unknown }).NODE_ENV === "production";
  const cookieSecret = read.text("COOKIE_SECRET", production ? undefined : DEV_COOKIE_SECRET, (value) =>
    value.length < 16 ? "must be at least 16 characters" : undefined,
  );
  const voteRateLimit = read.integer("VOTE_RATE_LIMIT", 0, 0, 1_000_000);
  const voterRateLimit = read.integer("VOTER_RATE_LIMIT", 0, 0, 1_000_000);
  const logLevel = read.text("LOG_LEVEL", "info", (value) =>
    LOG_LEVELS.includes(value as LogLevel) ? undefined : `must be one of ${LOG_LEVELS.join(", ")}`,
  ) as LogLevel;
  const appVersion = read.text("APP_VERSION", "dev");
  const redisPrefix = read.text("REDIS_PREFIX", "vote:", (value) =>
    /^[\w:.-]{1,64}$/.test(value) ? undefined : "may only hold letters, digits and : . - _",
  );
  const voterStateTtlSeconds = read.integer("VOTER_STATE_TTL_SECONDS", 30 * 24 * 60 * 60, 60, 10 * 365 * 24 * 60 * 60);
  const requestLog = {
    sampleRate: read.fraction("REQUEST_LOG_SAMPLE_RATE", 1),
    slowMs: read.integer("SLOW_REQUEST_MS", 1_000, 1, 600_000),
  };
  const pollCreateRateLimit = read.integer("POLL_CREATE_RATE_LIMIT", 10, 0, 1_000_000);
  const publicUrl = read.text("PUBLIC_URL", "", (value) => {
    try {
      return ["http:", "https:"].includes(new URL(value).protocol) ? undefined : "must start with http:// or https://";
    } catch {
      return "must be a URL like https://vote.example.org";
    }
  });
  return {
    redisPrefix,
    voterStateTtlSeconds,
    pollCreateRateLimit,
    publicUrl: publicUrl === "" ? undefined : publicUrl.replace(/\/+$/, ""),
    requestLog,
    polls: createPollCatalog([createDefaultPoll(optionA.trim(), optionB.trim())]),
    cookieSecret,
    voteRateLimit,
    voterRateLimit,
    logLevel,
    appVersion,
  };
}

/** Parses the settings the Workers entry needs (its bindings are checked where they're used). */
export function parseAppConfig(env: ConfigSource): AppConfig {
  const read = new ConfigReader(env);
  const config = readAppConfig(read, env);
  read.finish();
  return config;
}

/** True when the cookie secret is the built-in development one (start-up warns about it). */
export function usesDevCookieSecret(config: AppConfig): boolean {
  return config.cookieSecret === DEV_COOKIE_SECRET;
}

/** A URL safe to print: the password is replaced. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "****";
    return parsed.toString();
  } catch {
    return "(unparseable URL)";
  }
}
