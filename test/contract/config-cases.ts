/**
 * One table of settings and the problems each must produce, run against both
 * runtimes' readers (test/unit/config.test.ts on Node, test/workers/config.test.ts
 * in workerd): the same variable gets the same message everywhere.
 */
export const SHARED_CONFIG_CASES: { env: Record<string, string>; problems: string[] }[] = [
  { env: { VOTE_RATE_LIMIT: "-1" }, problems: ['VOTE_RATE_LIMIT must be a whole number from 0 to 1000000 (got "-1")'] },
  {
    env: { VOTER_RATE_LIMIT: "many" },
    problems: ['VOTER_RATE_LIMIT must be a whole number from 0 to 1000000 (got "many")'],
  },
  {
    env: { POLL_CREATE_RATE_LIMIT: "2.5" },
    problems: ['POLL_CREATE_RATE_LIMIT must be a whole number from 0 to 1000000 (got "2.5")'],
  },
  { env: { SLOW_REQUEST_MS: "0" }, problems: ['SLOW_REQUEST_MS must be a whole number from 1 to 600000 (got "0")'] },
  {
    env: { VOTER_STATE_TTL_SECONDS: "59" },
    problems: ['VOTER_STATE_TTL_SECONDS must be a whole number from 60 to 315360000 (got "59")'],
  },
  {
    env: { REQUEST_LOG_SAMPLE_RATE: "2" },
    problems: ['REQUEST_LOG_SAMPLE_RATE must be a number from 0 to 1 (got "2")'],
  },
  { env: { LOG_LEVEL: "loud" }, problems: ["LOG_LEVEL must be one of debug, info, warn, error"] },
  { env: { REDIS_PREFIX: "a b" }, problems: ["REDIS_PREFIX may only hold letters, digits and : . - _"] },
  { env: { OPTION_A: "   " }, problems: ["OPTION_A must not be blank"] },
  { env: { OPTION_A: "\u200b" }, problems: ["OPTION_A must not be blank"] },
  { env: { OPTION_B: "Do\u0000gs" }, problems: ["OPTION_B must not hold control characters"] },
  { env: { OPTION_B: "x".repeat(101) }, problems: ["OPTION_B must be at most 100 characters"] },
  { env: { OPTION_A: "Same", OPTION_B: " Same " }, problems: ["OPTION_A and OPTION_B must differ"] },
  { env: { COOKIE_SECRET: "short" }, problems: ["COOKIE_SECRET must be at least 16 characters"] },
  { env: { PUBLIC_URL: "vote.example.org" }, problems: ["PUBLIC_URL must be a URL like https://vote.example.org"] },
  { env: { PUBLIC_URL: "ftp://vote.example.org" }, problems: ["PUBLIC_URL must start with http: or https://"] },
  {
    env: { VOTE_RATE_LIMIT: "x", OPTION_A: "", LOG_LEVEL: "loud", COOKIE_SECRET: "short" },
    problems: [
      "LOG_LEVEL must be one of debug, info, warn, error",
      "COOKIE_SECRET must be at least 16 characters",
      'VOTE_RATE_LIMIT must be a whole number from 0 to 1000000 (got "x")',
    ],
  },
];

/** Settings every case starts from on a runtime that has no development defaults (the web Worker). */
export const GOOD_SECRET = { COOKIE_SECRET: "config-test-secret-0123456789" };
