import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

/**
 * postgres.js inside workerd reports "Stream was cancelled." when a
 * connection it has ended is torn down (an upstream issue); that one message
 * is not a failure. Everything else still fails the run.
 */
function isCancelledStreamNoise(error: unknown): boolean {
  return error instanceof Error
    ? error.message === "Stream was cancelled."
    : String(error).includes("Stream was cancelled.");
}

/** Builds dist/ once per run, for the projects whose tests start the real entry points. */
const BUILD_DIST = ["test/helpers/global-setup.ts"];

export default defineConfig({
  test: {
    onUnhandledError: (error) => !isCancelledStreamNoise(error),
    projects: [
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            main: "./test/workers/harness.ts",
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                UPSTASH_REDIS_REST_URL: inject("upstashUrl"),
                UPSTASH_REDIS_REST_TOKEN: inject("upstashToken"),
                REDIS_PREFIX: inject("redisPrefix"),
                COOKIE_SECRET: "workers-test-cookie-secret-0123456789",
                VOTE_RATE_LIMIT: "0",
                VOTER_RATE_LIMIT: "0",
                LOG_LEVEL: "warn",
              },
              hyperdrives: { HYPERDRIVE: inject("databaseUrl") },
              // The consumer Worker's dead-letter producer (workers/consumer/wrangler.toml): the test harness
              // runs the consumer under the web Worker's wrangler.toml, which has no such binding.
              queueProducers: { VOTES_DEAD: { queueName: "votes-dead" } },
              // Both shards the wrangler.toml declares: test/workers/invariant.test.ts votes over both.
              queueConsumers: {
                votes: { maxBatchSize: 100, maxBatchTimeout: 0.2, maxRetries: 5 },
                "votes-1": { maxBatchSize: 100, maxBatchTimeout: 0.2, maxRetries: 5 },
              },
            },
          })),
        ],
        test: {
          name: "workers",
          include: ["test/workers/**/*.test.ts"],
          globalSetup: ["test/helpers/workers-global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        // The unit tests share no state (no mocks, no services): one worker for every file, not one per file.
        test: { name: "unit", include: ["test/unit/**/*.test.{ts,tsx}"], isolate: false },
      },
      {
        extends: true,
        test: {
          globalSetup: BUILD_DIST,
          name: "integration",
          include: ["test/integration/**/*.test.{ts,tsx}"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          globalSetup: BUILD_DIST,
          name: "chaos",
          include: ["test/chaos/**/*.test.ts"],
          testTimeout: 180_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          globalSetup: BUILD_DIST,
          name: "k8s",
          include: ["test/k8s/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          globalSetup: BUILD_DIST,
          name: "container",
          include: ["test/container/**/*.test.ts"],
          testTimeout: 300_000,
          hookTimeout: 1_200_000,
        },
      },
      {
        extends: true,
        test: {
          globalSetup: BUILD_DIST,
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
