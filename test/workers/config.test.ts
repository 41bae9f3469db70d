import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { parseWebEnv } from "../../src/cloudflare/config.ts";
import { ConfigError } from "../../src/core/config.ts";

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

  it("accepts the test bindings from wrangler.toml", () => {
    expect(parseWebEnv(env).polls.defaultPoll.question).toBe("Cats or Dogs?");
  });
});
