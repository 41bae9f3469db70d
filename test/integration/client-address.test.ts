import { serve } from "@hono/node-server";
import postgres from "postgres";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { createJsonLogger } from "../../src/core/logger.ts";
import { buildWeb } from "../../src/node/compose.ts";
import { parseNodeConfig } from "../../src/node/config.ts";
import { createTestRedis, POSTGRES_ADMIN_URL, type TestRedis } from "../helpers/services.ts";

describe("the client address the vote rate limit counts by (TRUSTED_PROXY_HOPS)", () => {
  let redis: TestRedis;
  const servers: { close(): void }[] = [];
  // Votes never read PostgreSQL: a pool that is never used stands for it.
  const sql = postgres(POSTGRES_ADMIN_URL, { max: 1 });
  beforeEach(async () => {
    redis = await createTestRedis();
  });
  afterEach(async () => {
    for (const server of servers.splice(0)) server.close();
    await redis.cleanup();
  });
  afterAll(() => sql.end());

  /** A real HTTP server, so the socket's peer address is what it is. */
  async function serveWeb(env: Record<string, string>): Promise<string> {
    const config = parseNodeConfig({ VOTE_RATE_LIMIT: "5", REDIS_PREFIX: redis.prefix, ...env });
    const web = buildWeb(
      config,
      { redis: redis.client, sql },
      { logger: createJsonLogger({}, "error", () => {}), hostname: "t" },
    );
    return await new Promise((resolve) => {
      const server = serve({ fetch: web.fetch, port: 0, hostname: "127.0.0.1" }, (info) =>
        resolve(`http://127.0.0.1:${info.port}`),
      );
      servers.push(server);
    });
  }

  const votes = async (base: string, forwardedFor: (i: number) => string) => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const response = await fetch(`${base}/vote`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": forwardedFor(i) },
        body: "vote=a",
      });
      statuses.push(response.status);
    }
    return statuses;
  };

  it("ignores X-Forwarded-For by default: a client can't dodge the limit by forging it", async () => {
    const base = await serveWeb({});
    expect(await votes(base, (i) => `198.51.100.${i}`)).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
  });

  it("with one trusted proxy, counts by the address that proxy appended, whatever the client wrote before it", async () => {
    const base = await serveWeb({ TRUSTED_PROXY_HOPS: "1" });
    expect(await votes(base, (i) => `10.9.9.${i}, 203.0.113.7`)).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    expect(await votes(base, () => "203.0.113.8")).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
  });
});
