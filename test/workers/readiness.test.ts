import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import web from "../../src/cloudflare/web.ts";

describe("the web Worker's /readyz", () => {
  afterEach(() => vi.restoreAllMocks());

  it("asks Upstash at most once every few seconds, however often it is called", async () => {
    const pings: string[] = [];
    const realFetch = globalThis.fetch;
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      if (typeof init?.body === "string" && /"ping"/i.test(init.body)) pings.push(init.body);
      return realFetch(input, init);
    });
    // A host of its own: an app (and its remembered checks) of its own.
    const origin = `http://readyz-${crypto.randomUUID()}.vote.test`;
    for (let i = 0; i < 10; i++) {
      const ctx = createExecutionContext();
      const response = await web.fetch(
        new Request(`${origin}/readyz`) as Request<unknown, IncomingRequestCfProperties>,
        env,
        ctx,
      );
      await waitOnExecutionContext(ctx);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: "ready", checks: { redis: "ok", postgres: "ok" } });
    }
    expect(pings).toHaveLength(1);
  });
});
