import { describe, expect, it } from "vitest";
import { ConfigError, redactUrl } from "../../src/core/config.ts";
import { parseNodeConfig } from "../../src/node/config.ts";
import { GOOD_SECRET, SHARED_CONFIG_CASES } from "../contract/config-cases.ts";

function problemsOf(read: () => unknown): string[] {
  try {
    read();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("configuration", () => {
  it("runs on localhost with no variables set, with the original app's Cats and Dogs", () => {
    const config = parseNodeConfig({});
    expect(config.databaseUrl).toBe("postgres://postgres@127.0.0.1:5432/postgres");
    expect(config.redisUrl).toBe("redis://127.0.0.1:6379");
    expect(config.port).toBe(8080);
    expect(config.defaultPoll.options.map((o) => o.label)).toEqual(["Cats", "Dogs"]);
    expect(config.voteRateLimit).toBe(0);
  });

  it("takes the option labels from OPTION_A and OPTION_B", () => {
    const config = parseNodeConfig({ OPTION_A: "Tabs", OPTION_B: "Spaces" });
    expect(config.defaultPoll.question).toBe("Tabs or Spaces?");
  });

  it("names every bad variable at once", () => {
    const env = {
      DATABASE_URL: "mysql://x",
      REDIS_URL: "not a url",
      PORT: "eighty",
      VOTE_RATE_LIMIT: "-1",
      OPTION_A: "Same",
      OPTION_B: "Same",
      COOKIE_SECRET: "short",
    };
    let problems: string[] = [];
    try {
      parseNodeConfig(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      problems = (error as ConfigError).problems;
    }
    for (const name of ["DATABASE_URL", "REDIS_URL", "PORT", "VOTE_RATE_LIMIT", "OPTION_A", "COOKIE_SECRET"]) {
      expect(problems.some((p) => p.startsWith(name))).toBe(true);
    }
  });

  it("requires COOKIE_SECRET in production", () => {
    expect(() => parseNodeConfig({ NODE_ENV: "production" })).toThrow(/COOKIE_SECRET is required/);
    expect(parseNodeConfig({ NODE_ENV: "production", COOKIE_SECRET: "x".repeat(32) }).cookieSecret).toHaveLength(32);
    // The consumer and the migrations sign nothing.
    expect(() => parseNodeConfig({ NODE_ENV: "production" }, "pod", "consumer")).not.toThrow();
    expect(() => parseNodeConfig({ NODE_ENV: "production" }, "pod", "migrate")).not.toThrow();
  });

  it.each(SHARED_CONFIG_CASES)("names each bad shared setting as the web Worker does: %j", ({ env, problems }) => {
    expect(problemsOf(() => parseNodeConfig({ ...GOOD_SECRET, ...env }))).toEqual(problems);
  });

  it("never prints a password", () => {
    expect(redactUrl("postgres://vote:hunter2@db:5432/votes")).toBe("postgres://vote:****@db:5432/votes");
  });
});
