import { type ServerType, serve } from "@hono/node-server";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addCookie, completeResponses, respond, SECURITY_HEADERS } from "../../src/http/responses.ts";
import { freePort } from "../helpers/ports.ts";

const cookie = (c: Parameters<typeof addCookie>[0], name: string) =>
  addCookie(c, name, "v", { path: "/", httpOnly: true, sameSite: "Lax" });

/** Every way a handler answers: respond(), hono's helpers, its own header, cookies, and errors. */
function createTestApp(): Hono {
  const app = new Hono();
  app.use(completeResponses());
  app.get("/respond", (c) => {
    cookie(c, "one");
    return respond(c, new TextEncoder().encode("<p>hi</p>"), 200, { "Content-Type": "text/html; charset=UTF-8" });
  });
  app.get("/respond-two-cookies", (c) => {
    cookie(c, "one");
    cookie(c, "two");
    return respond(c, null, 304, { ETag: 'W/"x"' });
  });
  app.get("/json", (c) => {
    cookie(c, "one");
    return c.json({ ok: true }, 202);
  });
  app.get("/own-header", (c) => {
    c.header("Referrer-Policy", "same-origin");
    return c.text("mine");
  });
  app.get("/touched", (c) => {
    // Reading c.res before answering makes hono copy the answer into a new Response.
    void c.res.headers;
    cookie(c, "one");
    return respond(c, "x", 200, {});
  });
  app.get("/fails", () => {
    throw new HTTPException(409, { message: "closed" });
  });
  app.onError((error, c) => c.text(error.message, error instanceof HTTPException ? error.status : 500));
  return app;
}

const paths = ["/respond", "/respond-two-cookies", "/json", "/own-header", "/touched", "/fails"];
const expectedCookies: Record<string, string[]> = {
  "/respond": ["one"],
  "/respond-two-cookies": ["one", "two"],
  "/json": ["one"],
  "/touched": ["one"],
};

function checkResponse(path: string, response: Response) {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    if (path === "/own-header" && name === "Referrer-Policy") expect(response.headers.get(name)).toBe("same-origin");
    else expect(response.headers.get(name), `${path} ${name}`).toBe(value);
  }
  const names = response.headers.getSetCookie().map((set) => set.split("=")[0]);
  expect(names, path).toEqual(expectedCookies[path] ?? []);
}

describe("responses: security headers and cookies on every answer", () => {
  it("on the standard Response (workerd's)", async () => {
    const app = createTestApp();
    for (const path of paths) checkResponse(path, await app.request(path));
    expect((await app.request("/json")).status).toBe(202);
    expect((await app.request("/fails")).status).toBe(409);
  });

  describe("through @hono/node-server, whose Response takes the plain-record fast path", () => {
    let server: ServerType;
    let base: string;
    beforeAll(async () => {
      const port = await freePort();
      server = serve({ fetch: createTestApp().fetch, port, hostname: "127.0.0.1" });
      base = `http://127.0.0.1:${port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it("sends the same headers, each cookie once", async () => {
      for (const path of paths) {
        const response = await fetch(`${base}${path}`);
        checkResponse(path, response);
        await response.arrayBuffer();
      }
      const page = await fetch(`${base}/respond`);
      expect(page.headers.get("content-length")).toBe("9");
      expect(await page.text()).toBe("<p>hi</p>");
    });
  });
});
