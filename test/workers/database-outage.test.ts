import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { cacheKey } from "../../src/cloudflare/tally-cache.ts";
import web from "../../src/cloudflare/web.ts";
import { CookieJar } from "../helpers/cookie-jar.ts";
import { waitFor } from "../helpers/wait.ts";
import { resetState, settled } from "./support.ts";

/** The web Worker with Hyperdrive failing: every PostgreSQL connection is refused. */
const hyperdriveDown = {
  ...env,
  HYPERDRIVE: { ...env.HYPERDRIVE, connectionString: "postgres://postgres:postgres@127.0.0.1:1/nowhere" },
} as unknown as Env;

// A host of its own, so no results cached by other tests answer for the database.
const ORIGIN = "http://outage.vote.test";

async function fetchWith(workerEnv: Env, path: string, init: RequestInit = {}, jar = new CookieJar()) {
  const ctx = createExecutionContext();
  const response = await web.fetch(
    new Request(`${ORIGIN}${path}`, {
      ...init,
      headers: { ...(init.headers as object), Cookie: jar.header() },
    }) as Request<unknown, IncomingRequestCfProperties>,
    workerEnv,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  jar.take(response);
  return response;
}

describe("the web Worker while Hyperdrive fails", () => {
  beforeEach(() => resetState());

  it("stays ready, and reports PostgreSQL as unreachable in the body", async () => {
    const response = await fetchWith(hyperdriveDown, "/readyz");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ready", checks: { redis: "ok", postgres: "unreachable" } });
  });

  it("reports PostgreSQL as ok when it answers", async () => {
    const response = await fetchWith(env, "/readyz");
    expect(await response.json()).toEqual({ status: "ready", checks: { redis: "ok", postgres: "ok" } });
  });

  it("takes votes, which are counted once the consumer reaches the database", async () => {
    const jar = new CookieJar();
    const response = await fetchWith(
      hyperdriveDown,
      "/api/votes",
      { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ vote: "b" }) },
      jar,
    );
    expect(response.status).toBe(202);
    await settled();
  });

  it("answers results with the last counts it read, marked as not current", async () => {
    const jar = new CookieJar();
    const healthy = { ...env } as Env;
    await fetchWith(
      healthy,
      "/api/votes",
      { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ vote: "a" }) },
      jar,
    );
    await settled();
    const before = (await (await fetchWith(healthy, "/api/results")).json()) as { total: number; current: boolean };
    expect(before).toMatchObject({ total: 1, current: true });
    // The same app, later, with the database gone and the cached counts expired: the read fails.
    healthy.HYPERDRIVE = hyperdriveDown.HYPERDRIVE;
    // The counts are written to the cache after the response (waitUntil): purge them once they are there.
    await waitFor(() => caches.default.delete(cacheKey(ORIGIN, "default")), "the cached counts to purge", 5_000, 10);
    const during = await fetchWith(healthy, "/api/results");
    expect(during.status).toBe(200);
    expect(await during.json()).toMatchObject({ total: 1, current: false });
  });
});
