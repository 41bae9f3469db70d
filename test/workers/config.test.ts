import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { parseWebEnv } from "../../src/cloudflare/config.ts";
import { ConfigError } from "../../src/core/config.ts";
import { GOOD_SECRET, SHARED_CONFIG_CASES } from "../contract/config-cases.ts";

describe("the web Worker's configuration", () => {
  it("names every missing or malformed binding and secret at once", () => {
    let problems: string[] = [];
    try {
      parseWebEnv({ OPTION_A: "Same", OPTION_B: "Same", VOTE_RATE_LIMIT: "many" } as unknown as Env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      problems = (error as ConfigError).problems;
    }
    for (const name of [
      "COOKIE_SECRET",
      "VOTE_RATE_LIMIT",
      "OPTION_A",
      "UPSTASH_REDIS_REST_URL",
      "UPSTASH_REDIS_REST_TOKEN",
      "VOTES",
      "HYPERDRIVE",
    ]) {
      expect(problems.join("\n")).toContain(name);
    }
  });

  it.each(SHARED_CONFIG_CASES)("names each bad shared setting as Node does: %j", ({ env: bad, problems }) => {
    let seen: string[] = [];
    try {
      parseWebEnv({ ...env, ...GOOD_SECRET, ...bad } as Env);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      seen = error.problems;
    }
    expect(seen).toEqual(problems);
  });

  it("accepts the test bindings from wrangler.toml", () => {
    expect(parseWebEnv(env).defaultPoll.question).toBe("Cats or Dogs?");
  });
});
