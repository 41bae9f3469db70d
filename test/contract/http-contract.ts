import { describe, expect, it } from "vitest";
import { votersKey } from "../../src/redis/keys.ts";
import { heldVersion } from "../../src/redis/vote-args.ts";
import { CookieJar } from "../helpers/cookie-jar.ts";
import { waitFor } from "../helpers/wait.ts";

/** A running copy of the web tier, however it is hosted. */
export interface HttpTarget {
  /** Sends one request (URLs are resolved against http://vote.test). */
  fetch(request: Request): Promise<Response>;
  /** What Redis has accepted so far: the sum of every voter's version (exact: versions have 16 digits). */
  acceptedVotes(): Promise<bigint>;
  /** Deletes every voter's state from Redis, as an expiry or a Redis that keeps nothing on disk would. */
  forgetVoters(): Promise<void>;
  /** Makes the results cache forget a poll's counts, as the time passing would (on Node, its clock moves). */
  expireCachedResults?(poll: string): Promise<void>;
  close(): Promise<void>;
}

export const ORIGIN = "http://vote.test";

/** The sum of the `version` field over every ballot hash under `prefix`, whatever the Redis client. */
export async function sumOfVersions(
  keys: (pattern: string) => Promise<string[]>,
  fields: (key: string) => Promise<Record<string, string>>,
  prefix: string,
): Promise<bigint> {
  // Each poll's voters hash holds a field per voter: `<version> <choices>` (src/redis/scripts.ts).
  let sum = 0n;
  for (const key of await keys(votersKey(prefix, "*"))) {
    for (const held of Object.values(await fields(key))) sum += BigInt(heldVersion(held) ?? 0);
  }
  return sum;
}

/**
 * The HTTP behaviour every target must share. Each test gets a fresh target
 * (its own database and key prefix), so tests don't see each other's votes.
 */
export function describeHttpContract(name: string, openTarget: () => Promise<HttpTarget>): void {
  describe(`the web tier (${name})`, () => {
    async function withTarget(body: (client: Client) => Promise<void>): Promise<void> {
      const target = await openTarget();
      try {
        await body(new Client(target));
      } finally {
        await target.close();
      }
    }

    it("redirects / to the vote page", () =>
      withTarget(async (client) => {
        const response = await client.get("/");
        expect(response.status).toBe(302);
        expect(response.headers.get("location")).toMatch(/\/vote$/);
      }));

    it("shows the question and both options (the serving host only on /healthz), and gives a new visitor a signed HttpOnly cookie", () =>
      withTarget(async (client) => {
        const response = await client.get("/vote");
        expect(response.status).toBe(200);
        const page = await response.text();
        expect(page).toMatch(/^<!DOCTYPE html>/);
        expect(page).toContain("Cats or Dogs?");
        expect(page).toMatch(/<button[^>]*value="a"[^>]*>Cats/);
        expect(page).toMatch(/<button[^>]*value="b"[^>]*>Dogs/);
        expect(page).not.toContain("Processed by container ID");
        expect(await (await client.get("/healthz")).json()).toEqual({ status: "ok", host: expect.any(String) });
        const cookie = response.headers.getSetCookie().find((c) => c.startsWith("voter_id="));
        expect(cookie).toMatch(/HttpOnly/);
        expect(cookie).toMatch(/SameSite=Lax/);
        expect(cookie).not.toMatch(/Secure/);
        expect(response.headers.get("content-security-policy")).toContain("script-src 'self'");
      }));

    it("marks the cookie Secure when the request came over https", () =>
      withTarget(async (client) => {
        const response = await client.get("/vote", { "X-Forwarded-Proto": "https" });
        expect(response.headers.getSetCookie().find((c) => c.startsWith("voter_id="))).toMatch(/Secure/);
      }));

    it("records a plain form vote, returns the full page with the choice marked, and counts it", () =>
      withTarget(async (client) => {
        const response = await client.postForm("/vote", "vote=a");
        expect(response.status).toBe(200);
        const page = await response.text();
        expect(page).toMatch(/^<!DOCTYPE html>/);
        expect(page).toMatch(/value="a" class="option chosen" aria-pressed="true"/);
        await client.expectResults({ a: 1, b: 0 });
        const again = await (await client.get("/vote")).text();
        expect(again).toMatch(/value="a" class="option chosen" aria-pressed="true"/);
      }));

    it("lets a voter change their mind: one voter still counts once", () =>
      withTarget(async (client) => {
        await client.postForm("/vote", "vote=a");
        await client.postForm("/vote", "vote=b");
        await client.postForm("/vote", "vote=b");
        await client.expectResults({ a: 0, b: 1 });
      }));

    it("answers an htmx post with just the ballot fragment", () =>
      withTarget(async (client) => {
        const response = await client.postForm("/vote", "vote=b", { "HX-Request": "true" });
        expect(response.status).toBe(200);
        const fragment = await response.text();
        expect(fragment).toMatch(/^<form id="ballot"/);
        expect(fragment).not.toContain("<html");
        expect(fragment).toMatch(/value="b" class="option chosen"/);
      }));

    it("serves ab-style posts that carry no cookie and no Origin", () =>
      withTarget(async (client) => {
        for (let i = 0; i < 3; i++) {
          const response = await client.target.fetch(
            new Request(`${ORIGIN}/vote`, {
              method: "POST",
              headers: { "Content-Type": "application/x-www-form-urlencoded" },
              body: "vote=a",
            }),
          );
          expect(response.status).toBe(200);
        }
        await client.expectResults({ a: 3, b: 0 });
      }));

    it("accepts a same-origin browser post", () =>
      withTarget(async (client) => {
        const response = await client.postForm("/vote", "vote=a", { Origin: ORIGIN, "Sec-Fetch-Site": "same-origin" });
        expect(response.status).toBe(200);
      }));

    it("shows the results page polling its fragment every second, and the fragment itself", () =>
      withTarget(async (client) => {
        await client.postForm("/vote", "vote=a");
        await client.expectResults({ a: 1, b: 0 });
        const page = await (await client.get("/result")).text();
        expect(page).toContain("Cats or Dogs?");
        expect(page).toMatch(/hx-get="\/result\/fragment" hx-trigger="every 1s"/);
        const fragment = await (await client.get("/result/fragment")).text();
        expect(fragment).toMatch(/^<section id="results"/);
        expect(fragment).toContain("1 vote");
        expect(fragment).toMatch(/<progress max="100" value="100">/);
      }));

    it("answers an unchanged results fragment with a bodiless 304 to its ETag, and a changed one in full", () =>
      withTarget(async (client) => {
        const first = await client.get("/result/fragment");
        const etag = first.headers.get("etag") ?? "";
        expect(etag).toMatch(/^W\/"[0-9a-f]+"$/);
        // private: hidden results make what one viewer sees not another's to keep.
        expect(first.headers.get("cache-control")).toBe("private, no-cache");
        const again = await client.get("/result/fragment", { "If-None-Match": etag });
        expect(again.status).toBe(304);
        expect(await again.text()).toBe("");
        await client.postForm("/vote", "vote=a");
        await client.expectResults({ a: 1, b: 0 });
        const changed = await client.get("/result/fragment", { "If-None-Match": etag });
        expect(changed.status).toBe(200);
        expect(changed.headers.get("etag")).not.toBe(etag);
        expect(await changed.text()).toContain("1 vote");
      }));

    it("says 'No votes yet' before anyone voted", () =>
      withTarget(async (client) => {
        expect(await (await client.get("/result/fragment")).text()).toContain("No votes yet");
      }));

    it("answers the JSON API: results and votes", () =>
      withTarget(async (client) => {
        const vote = await client.postJson("/api/votes", { vote: "b" });
        expect(vote.status).toBe(202);
        const first = (await vote.json()) as { version: number };
        expect(first).toEqual({ poll: "default", vote: "b", choices: ["b"], version: expect.any(Number) });
        const second = await client.postJson("/api/votes", { vote: "a", poll: "default" });
        expect(await second.json()).toEqual({
          poll: "default",
          vote: "a",
          choices: ["a"],
          version: expect.toSatisfy((version: number) => version > first.version),
        });
        await client.expectResults({ a: 1, b: 0 });
        const results = await (await client.get("/api/results")).json();
        expect(results).toEqual({
          poll: "default",
          question: "Cats or Dogs?",
          total: 1,
          participants: 1,
          options: [
            { id: "a", label: "Cats", votes: 1, percent: 100 },
            { id: "b", label: "Dogs", votes: 0, percent: 0 },
          ],
          current: true,
          status: "open",
        });
      }));

    it("counts a changed vote even after Redis forgot the voter (expiry, or a restart without persistence)", () =>
      withTarget(async (client) => {
        await client.postForm("/vote", "vote=a");
        await client.expectResults({ a: 1, b: 0 });
        await client.target.forgetVoters();
        await client.postForm("/vote", "vote=b");
        await client.expectResults({ a: 0, b: 1 });
      }));

    it("reports health and readiness", () =>
      withTarget(async (client) => {
        expect((await client.get("/healthz")).status).toBe(200);
        const ready = await client.get("/readyz");
        expect(ready.status).toBe(200);
        expect(await ready.json()).toMatchObject({ status: "ready" });
      }));

    it("refuses every kind of bad input precisely, and nothing moves", () =>
      withTarget(async (client) => {
        await client.postForm("/vote", "vote=a");
        await client.expectResults({ a: 1, b: 0 });
        const accepted = await client.target.acceptedVotes();

        const cases: [string, Promise<Response>, number, RegExp][] = [
          ["unknown option (form)", client.postForm("/vote", "vote=c"), 400, /Unknown option/],
          ["missing field (form)", client.postForm("/vote", "choice=a"), 400, /missing/],
          ["repeated field (form)", client.postForm("/vote", "vote=a&vote=b"), 400, /Choose one option/],
          ["unknown poll (form)", client.postForm("/vote", "vote=a&poll=nope"), 404, /no such poll/],
          [
            "wrong content type (form)",
            client.post("/vote", "vote=a", { "Content-Type": "application/xml" }),
            415,
            /form/,
          ],
          ["oversized body", client.postForm("/vote", `vote=a&pad=${"x".repeat(10_000)}`), 413, /too large/],
          [
            "cross-site post (Origin)",
            client.postForm("/vote", "vote=b", { Origin: "https://evil.example" }),
            403,
            /Cross-site/,
          ],
          [
            "cross-site post (Sec-Fetch-Site)",
            client.postForm("/vote", "vote=b", { "Sec-Fetch-Site": "cross-site" }),
            403,
            /Cross-site/,
          ],
          ["unknown option (API)", client.postJson("/api/votes", { vote: "zebra" }), 400, /Unknown option/],
          ["missing field (API)", client.postJson("/api/votes", {}), 400, /missing/],
          ["wrong type (API)", client.postJson("/api/votes", { vote: 1 }), 400, /vote must be an option id/],
          ["not an object (API)", client.postJson("/api/votes", ["a"]), 400, /object/],
          [
            "malformed JSON (API)",
            client.post("/api/votes", "{vote:", { "Content-Type": "application/json" }),
            400,
            /not valid JSON/,
          ],
          ["unknown poll (API)", client.postJson("/api/votes", { vote: "a", poll: "nope" }), 404, /no such poll/],
          [
            "form sent to the API",
            client.post("/api/votes", "vote=a", { "Content-Type": "application/x-www-form-urlencoded" }),
            415,
            /JSON/,
          ],
          [
            "oversized JSON (API)",
            client.postJson("/api/votes", { vote: "a", pad: "x".repeat(10_000) }),
            413,
            /too large/,
          ],
          ["unknown poll (results API)", client.get("/api/results?poll=nope"), 404, /no such poll/],
          ["unknown poll (vote page)", client.get("/vote?poll=nope"), 404, /no such poll/],
          ["unknown page", client.get("/nowhere"), 404, /Not found/],
        ];
        for (const [what, pending, status, message] of cases) {
          const response = await pending;
          expect(response.status, what).toBe(status);
          const body = await response.text();
          expect(body, what).toMatch(message);
          const type = response.headers.get("content-type") ?? "";
          if (response.url.includes("/api/") || what.includes("API")) expect(type, what).toMatch(/json/);
          else expect(type, what).toMatch(/html/);
        }

        expect(await client.target.acceptedVotes()).toBe(accepted);
        await client.expectResults({ a: 1, b: 0 });
      }));

    it("shows htmx clients a short message for a refused vote", () =>
      withTarget(async (client) => {
        const response = await client.postForm("/vote", "vote=zzz", { "HX-Request": "true" });
        expect(response.status).toBe(400);
        expect(await response.text()).toMatch(/^<span>Unknown option/);
      }));

    it("replaces a forged cookie with a new voter instead of trusting it", () =>
      withTarget(async (client) => {
        await client.postForm("/vote", "vote=a");
        const genuine = client.jar.get("voter_id") ?? "";
        const [id, signature] = decodeURIComponent(genuine).split(".");
        const forgedId = "00000000-0000-4000-8000-000000000000";
        client.jar.set("voter_id", encodeURIComponent(`${forgedId}.${signature}`));
        const response = await client.postForm("/vote", "vote=b");
        expect(response.status).toBe(200);
        const issued = decodeURIComponent(client.jar.get("voter_id") ?? "");
        expect(issued.split(".")[0]).not.toBe(forgedId);
        expect(issued.split(".")[0]).not.toBe(id);
        // Two distinct voters now: the genuine one (a) and the newly issued one (b).
        await client.expectResults({ a: 1, b: 1 });
      }));

    it("escapes anything a client sends before showing it", () =>
      withTarget(async (client) => {
        const response = await client.get("/vote?poll=%3Cscript%3Ealert(1)%3C%2Fscript%3E");
        expect(response.status).toBe(404);
        expect(await response.text()).not.toContain("<script>alert");
      }));
  });
}

/** A browser-like client: keeps the cookie, sends the headers a browser form would. */
export class Client {
  readonly jar = new CookieJar();
  readonly target: HttpTarget;
  constructor(target: HttpTarget) {
    this.target = target;
  }

  async send(path: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<Response> {
    const headers = { ...init.headers, ...(this.jar.header() ? { Cookie: this.jar.header() } : {}) };
    const response = await this.target.fetch(new Request(`${ORIGIN}${path}`, { ...init, headers, redirect: "manual" }));
    this.jar.take(response);
    return response;
  }

  get(path: string, headers: Record<string, string> = {}) {
    return this.send(path, { headers });
  }

  post(path: string, body: string, headers: Record<string, string>) {
    return this.send(path, { method: "POST", body, headers });
  }

  postForm(path: string, body: string, headers: Record<string, string> = {}) {
    return this.post(path, body, { "Content-Type": "application/x-www-form-urlencoded", ...headers });
  }

  postJson(path: string, body: unknown) {
    return this.post(path, JSON.stringify(body), { "Content-Type": "application/json" });
  }

  /** Waits until the queue has been drained into the tallies and the results say `counts`. */
  async expectResults(counts: Record<string, number>, timeoutMs = 20_000, poll?: string): Promise<void> {
    const query = poll ? `?poll=${encodeURIComponent(poll)}` : "";
    let last: unknown;
    await waitFor(
      async () => {
        // Counts cached before the queue was drained would answer until they expire.
        await this.target.expireCachedResults?.(poll ?? "default");
        const response = await this.target.fetch(new Request(`${ORIGIN}/api/results${query}`));
        const results = (await response.json()) as { options: { id: string; votes: number }[] };
        last = Object.fromEntries(results.options.map((option) => [option.id, option.votes]));
        return JSON.stringify(last) === JSON.stringify(counts);
      },
      () => `results ${JSON.stringify(counts)} (last seen ${JSON.stringify(last)})`,
      timeoutMs,
      100,
    );
  }
}
