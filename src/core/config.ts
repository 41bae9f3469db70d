import * as v from "valibot";
import { createDefaultPoll, labelProblem, type Poll } from "../domain/polls.ts";
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

const DEV_COOKIE_SECRET = "dev-only-cookie-secret-change-me";
const LOG_LEVELS = ["debug", "info", "warn", "error"] as const satisfies readonly LogLevel[];
const DAY_SECONDS = 24 * 60 * 60;

type Issue = v.BaseIssue<unknown>;
const got = (issue: Issue) => JSON.stringify(issue.input);

/** A variable holding a whole number in [min, max]; unset or empty means `fallback`. */
function wholeNumber(fallback: number, min: number, max: number) {
  const message = (issue: Issue) => `must be a whole number from ${min} to ${max} (got ${got(issue)})`;
  return v.optional(
    v.pipe(
      v.string(message),
      v.check((raw) => /^\d+$/.test(raw.trim()) && Number(raw) >= min && Number(raw) <= max, message),
      v.transform(Number),
    ),
    String(fallback),
  );
}

/** A share from 0 to 1. */
function fraction(fallback: number) {
  const message = (issue: Issue) => `must be a number from 0 to 1 (got ${got(issue)})`;
  return v.optional(
    v.pipe(
      v.string(message),
      v.check((raw) => raw.trim() !== "" && Number(raw) >= 0 && Number(raw) <= 1, message),
      v.transform(Number),
    ),
    String(fallback),
  );
}

/** Free text; without a fallback the variable is required. */
function text(fallback?: string) {
  const schema = v.string("must be a string");
  return fallback === undefined ? v.string("is required") : v.optional(schema, fallback);
}

/** A URL with one of `protocols`; `example` shows what a good one looks like. */
function url(protocols: readonly string[], example: string, fallback?: string) {
  const schema = v.pipe(
    v.string(fallback === undefined ? "is required" : "must be a string"),
    v.check((raw) => URL.canParse(raw), `must be a URL like ${example}`),
    v.check(
      (raw) => !URL.canParse(raw) || protocols.includes(new URL(raw).protocol),
      `must start with ${protocols.join(" or ")}//`,
    ),
  );
  return fallback === undefined ? schema : v.optional(schema, fallback);
}

/** An option label of the default poll: checked as a poll's labels are. */
function label(fallback: string) {
  return v.optional(
    v.pipe(
      v.string("must be a string"),
      v.rawCheck(({ dataset, addIssue }) => {
        const problem = dataset.typed ? labelProblem(dataset.value, 100) : undefined;
        if (problem) addIssue({ message: problem });
      }),
      v.transform((raw) => raw.trim()),
    ),
    fallback,
  );
}

function cookieSecret(required: boolean) {
  const schema = v.pipe(v.string("is required"), v.minLength(16, "must be at least 16 characters"));
  return required ? schema : v.optional(schema, DEV_COOKIE_SECRET);
}

/**
 * Every setting either runtime reads, by variable name: its parser, its
 * range and its default. Each process reads the group it needs (below), all
 * through readSettings, so a bad value is reported the same way everywhere.
 */
export const SETTINGS = {
  // Both runtimes, every process.
  OPTION_A: label("Cats"),
  OPTION_B: label("Dogs"),
  LOG_LEVEL: v.optional(v.picklist(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(", ")}`), "info"),
  APP_VERSION: text("dev"),
  REDIS_PREFIX: v.optional(
    v.pipe(v.string(), v.regex(/^[\w:.-]{1,64}$/, "may only hold letters, digits and : . - _")),
    "vote:",
  ),
  VOTER_STATE_TTL_SECONDS: wholeNumber(30 * DAY_SECONDS, 60, 3650 * DAY_SECONDS),
  // The web tier, on both runtimes.
  COOKIE_SECRET: cookieSecret(false),
  VOTE_RATE_LIMIT: wholeNumber(0, 0, 1_000_000),
  VOTER_RATE_LIMIT: wholeNumber(0, 0, 1_000_000),
  REQUEST_LOG_SAMPLE_RATE: fraction(1),
  SLOW_REQUEST_MS: wholeNumber(1_000, 1, 600_000),
  POLL_CREATE_RATE_LIMIT: wholeNumber(10, 0, 1_000_000),
  PUBLIC_URL: v.optional(url(["http:", "https:"], "https://vote.example.org")),
  // Polls with protection "challenge": how far a client searches for the proof of work (SHA-256
  // tries, between half of this and all of it; 100,000 takes a phone about a second).
  CHALLENGE_DIFFICULTY: wholeNumber(100_000, 10, 10_000_000),
  // Node processes.
  DATABASE_URL: url(
    ["postgres:", "postgresql:"],
    "postgres://postgres@127.0.0.1:5432/postgres",
    "postgres://postgres@127.0.0.1:5432/postgres",
  ),
  DATABASE_POOL_MAX: wholeNumber(10, 1, 100),
  REDIS_URL: url(["redis:", "rediss:"], "redis://127.0.0.1:6379", "redis://127.0.0.1:6379"),
  PORT: wholeNumber(8080, 0, 65535),
  SHUTDOWN_DELAY_MS: wholeNumber(0, 0, 60_000),
  TRUSTED_PROXY_HOPS: wholeNumber(0, 0, 10),
  // Longer than any proxy's idle timeout for its upstream connections (60 s is common), so the
  // proxy, not the web process, closes an idle connection: never one the proxy is about to reuse.
  KEEP_ALIVE_TIMEOUT_MS: wholeNumber(65_000, 1_000, 3_600_000),
  MIGRATION_LOCK_TIMEOUT_SECONDS: wholeNumber(300, 1, 3_600),
  CONSUMER_NAME: v.optional(v.string("must be a string")),
  CONSUMER_BATCH_SIZE: wholeNumber(2_000, 1, 10_000),
  CONSUMER_IN_FLIGHT: wholeNumber(2, 1, 8),
  CONSUMER_CLAIM_IDLE_MS: wholeNumber(30_000, 100, 3_600_000),
  // The web Worker.
  UPSTASH_REDIS_REST_URL: url(["https:", "http:"], "https://<database>.upstash.io"),
  UPSTASH_REDIS_REST_TOKEN: text(),
  VOTE_QUEUE_SHARDS: wholeNumber(1, 1, 16),
  // The consumer Worker: how long ballots handed back to the queue during a database outage wait
  // (jittered); at most 12 hours, the longest delay a queue accepts. It bounds how long the counts
  // stay short once the database is back.
  REQUEUE_DELAY_SECONDS: wholeNumber(30, 0, 43_200),
} as const;

export type SettingName = keyof typeof SETTINGS;
type Values<K extends SettingName> = { [N in K]: v.InferOutput<(typeof SETTINGS)[N]> };

/** The settings of the web tier (both runtimes) and of every process. */
const SHARED = ["OPTION_A", "OPTION_B", "LOG_LEVEL", "APP_VERSION", "REDIS_PREFIX", "VOTER_STATE_TTL_SECONDS"] as const;
const WEB = [
  ...SHARED,
  "COOKIE_SECRET",
  "VOTE_RATE_LIMIT",
  "VOTER_RATE_LIMIT",
  "REQUEST_LOG_SAMPLE_RATE",
  "SLOW_REQUEST_MS",
  "POLL_CREATE_RATE_LIMIT",
  "PUBLIC_URL",
  "CHALLENGE_DIFFICULTY",
] as const;

/** Which variables each program reads. */
export const SETTING_GROUPS = {
  /** Every Node process (web, consumer, migrate) reads the same settings. */
  node: [
    ...WEB,
    "DATABASE_URL",
    "DATABASE_POOL_MAX",
    "REDIS_URL",
    "PORT",
    "SHUTDOWN_DELAY_MS",
    "TRUSTED_PROXY_HOPS",
    "KEEP_ALIVE_TIMEOUT_MS",
    "MIGRATION_LOCK_TIMEOUT_SECONDS",
    "CONSUMER_NAME",
    "CONSUMER_BATCH_SIZE",
    "CONSUMER_IN_FLIGHT",
    "CONSUMER_CLAIM_IDLE_MS",
  ],
  webWorker: [...WEB, "UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN", "VOTE_QUEUE_SHARDS"],
  consumerWorker: [...SHARED, "REQUEUE_DELAY_SECONDS"],
} as const satisfies Record<string, readonly SettingName[]>;

export interface ReadOptions {
  /** COOKIE_SECRET has no development default (NODE_ENV=production on Node; always on the web Worker). */
  requireCookieSecret?: boolean;
  /** Problems the caller found itself (missing bindings), reported with the rest. */
  more?: (values: Record<string, unknown>) => string[];
}

/**
 * The one reader of settings: parses the variables `names` from `source`
 * against SETTINGS (an empty value counts as unset, so the default applies)
 * and throws one ConfigError naming every bad variable at once.
 */
export function readSettings<const K extends SettingName>(
  source: ConfigSource,
  names: readonly K[],
  options: ReadOptions = {},
): Values<K> {
  const env = source as Record<string, unknown>;
  const entries: Record<string, v.GenericSchema> = {};
  const input: Record<string, unknown> = {};
  for (const name of names) {
    entries[name] =
      name === "COOKIE_SECRET"
        ? cookieSecret(options.requireCookieSecret ?? false)
        : (SETTINGS[name] as v.GenericSchema);
    // Present but undefined, so a required variable's own schema says "is required".
    const raw = env[name];
    input[name] = raw === "" ? undefined : raw;
  }
  const result = v.safeParse(v.object(entries), input, { abortPipeEarly: true });
  const problems = result.issues ? result.issues.map((issue) => `${v.getDotPath(issue)} ${issue.message}`) : [];
  const values = (result.output ?? {}) as Record<string, unknown>;
  const optionA = typeof values.OPTION_A === "string" ? values.OPTION_A : input.OPTION_A;
  const optionB = typeof values.OPTION_B === "string" ? values.OPTION_B : input.OPTION_B;
  if (names.includes("OPTION_A" as K) && typeof optionA === "string" && optionA.trim() !== "") {
    if (optionA.trim() === String(optionB ?? "").trim()) problems.push("OPTION_A and OPTION_B must differ");
  }
  problems.push(...(options.more?.(values) ?? []));
  if (problems.length > 0) throw new ConfigError(problems);
  return values as Values<K>;
}

/** Which requests get an access-log line: every failure and every slow one, and a sample of the rest. */
export interface RequestLogPolicy {
  /** Share of ordinary requests logged, from 0 (none) to 1 (all). */
  sampleRate: number;
  /** A request at least this slow is always logged. */
  slowMs: number;
}

/** What every process needs, on both runtimes. */
export interface CommonConfig {
  /** The configured poll (OPTION_A, OPTION_B), id `default`. */
  defaultPoll: Poll;
  logLevel: LogLevel;
  appVersion: string;
  /** Prefix of every Redis key, so several deployments (or tests) can share one Redis. */
  redisPrefix: string;
  /** How long a voter's current choice stays in Redis after their last vote (the database keeps it for good). */
  voterStateTtlSeconds: number;
}

/** What the web tier needs, on both runtimes. */
export interface AppConfig extends CommonConfig {
  cookieSecret: string;
  /** Votes per client address per minute (IPv6 by /64); 0 turns the limit off. */
  voteRateLimit: number;
  /** Votes per voter per minute; 0 turns the limit off. */
  voterRateLimit: number;
  /** Which requests get an access-log line. */
  requestLog: RequestLogPolicy;
  /** Polls a client may create per hour; 0 turns the limit off. */
  pollCreateRateLimit: number;
  /** Where the app is reached from outside (for the links and QR codes of polls); else each request's own origin. */
  publicUrl: string | undefined;
  /** How much work a challenge asks of a client (protection "challenge"). */
  challengeDifficulty: number;
}

/** The settings every process shares, from values read by readSettings. */
export function commonConfig(values: Values<(typeof SHARED)[number]>): CommonConfig {
  return {
    defaultPoll: createDefaultPoll(values.OPTION_A, values.OPTION_B),
    logLevel: values.LOG_LEVEL,
    appVersion: values.APP_VERSION,
    redisPrefix: values.REDIS_PREFIX,
    voterStateTtlSeconds: values.VOTER_STATE_TTL_SECONDS,
  };
}

/** The web tier's settings, from values read by readSettings. */
export function appConfig(values: Values<(typeof WEB)[number]>): AppConfig {
  return {
    ...commonConfig(values),
    cookieSecret: values.COOKIE_SECRET,
    voteRateLimit: values.VOTE_RATE_LIMIT,
    voterRateLimit: values.VOTER_RATE_LIMIT,
    requestLog: { sampleRate: values.REQUEST_LOG_SAMPLE_RATE, slowMs: values.SLOW_REQUEST_MS },
    pollCreateRateLimit: values.POLL_CREATE_RATE_LIMIT,
    publicUrl: values.PUBLIC_URL?.replace(/\/+$/, ""),
    challengeDifficulty: values.CHALLENGE_DIFFICULTY,
  };
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
