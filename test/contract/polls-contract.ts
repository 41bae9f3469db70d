import { describe, expect, it } from "vitest";
import { waitFor } from "../helpers/wait.ts";
import { Client, type HttpTarget, ORIGIN } from "./http-contract.ts";

type Created = {
  id: string;
  question: string;
  status: string;
  options: { id: string; label: string }[];
  links: { vote: string; results: string; manage: string };
  manageToken: string;
};

/**
 * What a presenter and a room do with polls, the same on every target:
 * create, share, vote, watch, close and reopen, export. Each test gets a
 * fresh target (its own database and key prefix).
 */
export function describePollsContract(name: string, openTarget: () => Promise<HttpTarget>): void {
  describe(`polls (${name})`, () => {
    async function withTarget(body: (client: Client) => Promise<void>): Promise<void> {
      const target = await openTarget();
      try {
        await body(new Client(target));
      } finally {
        await target.close();
      }
    }

    async function create(client: Client, question = "Tea or coffee?", options = ["Tea", "Coffee", "Water"]) {
      const response = await client.postJson("/api/polls", { question, options });
      expect(response.status).toBe(201);
      return (await response.json()) as Created;
    }

    const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

    it("creates a poll with ids a, b, c, absolute links and a manage token, and describes it", () =>
      withTarget(async (client) => {
        const poll = await create(client);
        // The settings a poll has when its creator chose none: one choice, results always shown, a cookie per voter.
        const description = {
          id: expect.stringMatching(/^[A-Za-z0-9_-]{12}$/),
          question: "Tea or coffee?",
          status: "open",
          options: [
            { id: "a", label: "Tea" },
            { id: "b", label: "Coffee" },
            { id: "c", label: "Water" },
          ],
          minChoices: 1,
          maxChoices: 1,
          results: "always",
          revealed: false,
          protection: "cookie",
          revision: 0,
        };
        expect(poll).toEqual({
          ...description,
          links: {
            vote: `${ORIGIN}/p/${poll.id}`,
            results: `${ORIGIN}/p/${poll.id}/results`,
            present: `${ORIGIN}/p/${poll.id}/present`,
            embed: `${ORIGIN}/p/${poll.id}/embed`,
            qr: `${ORIGIN}/p/${poll.id}/qr.svg`,
            manage: `${ORIGIN}/p/${poll.id}/manage?token=${encodeURIComponent(poll.manageToken)}`,
          },
          manageToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        });
        // Described to anyone: never the token or its hash.
        const described = await client.get(`/api/polls/${poll.id}`);
        expect(await described.json()).toEqual({ ...description, id: poll.id });
        expect((await client.get("/api/polls/AAAAAAAAAAAA")).status).toBe(404);
        expect((await client.get("/api/polls/..%2Fetc")).status).toBe(404);
      }));

    it("refuses a bad poll with 400 naming the field, and creates nothing", () =>
      withTarget(async (client) => {
        const cases: [unknown, string][] = [
          [{ question: "", options: ["a", "b"] }, "question"],
          [{ question: "q".repeat(201), options: ["a", "b"] }, "question"],
          [{ question: "?", options: ["only one"] }, "options"],
          [{ question: "?", options: Array.from({ length: 11 }, (_, i) => `o${i}`) }, "options"],
          [{ question: "?", options: ["Tea", "tea"] }, "options"],
          [{ question: "?", options: ["a", "x".repeat(81)] }, "options"],
          [{ question: "?" }, "options"],
          // PostgreSQL refuses a NUL in text: that was a 500.
          [{ question: "Tea\u0000?", options: ["a", "b"] }, "question"],
          [{ question: "?", options: ["Tea", "Cof\u0000fee"] }, "options"],
          [{ question: "?", options: ["Tea", "Coffee\u0007"] }, "options"],
          // Blank once what shows nothing is taken away: a lone zero-width space, bidi marks, a filler.
          [{ question: "\u200b", options: ["a", "b"] }, "question"],
          [{ question: "?", options: ["Tea", "\u200b"] }, "options"],
          [{ question: "?", options: ["Tea", "\u200e\u2060\ufeff \u3164"] }, "options"],
          // The same answer twice, one of them with an invisible character in it.
          [{ question: "?", options: ["Tea", "T\u200bea"] }, "options"],
          // Not Unicode text: half of a surrogate pair.
          [{ question: "\ud83d?", options: ["a", "b"] }, "question"],
        ];
        for (const [body, field] of cases) {
          const response = await client.postJson("/api/polls", body);
          expect(response.headers.get("content-type"), JSON.stringify(body)).toMatch(/^application\/json/);
          expect(response.status, JSON.stringify(body)).toBe(400);
          expect(((await response.json()) as { error: string }).error).toMatch(new RegExp(`^${field}\\b`));
        }
        const form = await client.postForm("/new", "question=&option=Tea&option=Coffee&option=");
        expect(form.status).toBe(400);
        const page = await form.text();
        expect(page).toMatch(/id="question-error"[^>]*>question must not be blank/);
        expect(page).toMatch(/<input id="option-1" name="option" value="Tea"/);
      }));

    it("creates a poll from the form and trades the manage link's token for a cookie scoped to the poll", () =>
      withTarget(async (client) => {
        const created = await client.postForm("/new", "question=Best+day%3F&option=Mon&option=Fri&option=&option=");
        expect(created.status).toBe(303);
        const manageLink = new URL(created.headers.get("location") ?? "");
        const id = /^\/p\/([^/]+)\/manage$/.exec(manageLink.pathname)?.[1] ?? "";
        expect(manageLink.searchParams.get("token")).toMatch(/^[A-Za-z0-9_-]{43}$/);
        const traded = await client.get(`${manageLink.pathname}${manageLink.search}`);
        // Not a redirect: the page refreshes to the clean address itself, a navigation of this site's own,
        // so a link followed from another site still brings the SameSite=Strict cookie along.
        expect(traded.status).toBe(200);
        expect(traded.headers.get("cache-control")).toBe("no-store");
        expect(await traded.text()).toContain(`<meta http-equiv="refresh" content="0; url=/p/${id}/manage"/>`);
        const cookies = traded.headers.getSetCookie().filter((c) => c.startsWith("manage_token="));
        expect(cookies.map((c) => /Path=([^;]+)/.exec(c)?.[1]).sort()).toEqual([`/api/polls/${id}`, `/p/${id}`]);
        for (const cookie of cookies) expect(cookie).toMatch(/HttpOnly/);
        const page = await client.get(`/p/${id}/manage`);
        expect(page.status).toBe(200);
        const html = await page.text();
        expect(html).toContain(`href="${ORIGIN}/p/${id}"`);
        expect(html).toContain(`src="/p/${id}/qr.svg"`);
        expect(html).toMatch(/id="close"/);
        const stranger = new Client(client.target);
        expect((await stranger.get(`/p/${id}/manage`)).status).toBe(401);
        expect((await stranger.get(`/p/${id}/manage?token=wrong`)).status).toBe(403);
      }));

    it("takes votes at /p/:poll/vote and in the API, one changeable vote per voter, and shows them", () =>
      withTarget(async (client) => {
        const poll = await create(client);
        const page = await client.get(`/p/${poll.id}`);
        expect(page.status).toBe(200);
        const html = await page.text();
        expect(html).toContain("Tea or coffee?");
        expect(html).toMatch(new RegExp(`action="/p/${poll.id}/vote"`));
        expect((await client.postForm(`/p/${poll.id}/vote`, "vote=a")).status).toBe(200);
        const htmx = await client.postForm(`/p/${poll.id}/vote`, "vote=c", { "HX-Request": "true" });
        expect(await htmx.text()).toMatch(/^<form id="ballot"/);
        const other = new Client(client.target);
        expect((await other.postJson("/api/votes", { poll: poll.id, vote: "b" })).status).toBe(202);
        await client.expectResults({ a: 0, b: 1, c: 1 }, 20_000, poll.id);
        const results = await (await client.get(`/api/results?poll=${poll.id}`)).json();
        expect(results).toMatchObject({ poll: poll.id, question: "Tea or coffee?", total: 2, status: "open" });
        const fragment = await client.get(`/p/${poll.id}/results/fragment`);
        expect(await fragment.text()).toMatch(new RegExp(`hx-get="/p/${poll.id}/results/fragment"`));
        expect((await client.postForm(`/p/${poll.id}/vote`, "vote=z")).status).toBe(400);
        expect((await client.postForm("/p/AAAAAAAAAAAA/vote", "vote=a")).status).toBe(404);
        // The default poll is untouched.
        await client.expectResults({ a: 0, b: 0 });
      }));

    it("closes with the token only: then votes get 409, polling stops with 286, and reopening takes votes again", () =>
      withTarget(async (client) => {
        const poll = await create(client);
        await client.postForm(`/p/${poll.id}/vote`, "vote=b");
        await client.expectResults({ a: 0, b: 1, c: 0 }, 20_000, poll.id);
        expect((await client.post(`/api/polls/${poll.id}/close`, "", {})).status).toBe(401);
        expect((await client.post(`/api/polls/${poll.id}/close`, "", bearer("nope"))).status).toBe(403);
        expect((await client.post("/api/polls/default/close", "", bearer(poll.manageToken))).status).toBe(403);
        const closed = await client.post(`/api/polls/${poll.id}/close`, "", bearer(poll.manageToken));
        expect(closed.status).toBe(200);
        expect(await closed.json()).toMatchObject({ id: poll.id, status: "closed" });
        // Within about a second every process sees it.
        await waitForStatus(client, poll.id, 409, "vote=a");
        const refused = await client.postForm(`/p/${poll.id}/vote`, "vote=a", { "HX-Request": "true" });
        expect(await refused.text()).toContain("closed");
        expect((await client.postJson("/api/votes", { poll: poll.id, vote: "a" })).status).toBe(409);
        const fragment = await client.get(`/p/${poll.id}/results/fragment`, { "HX-Request": "true" });
        expect(fragment.status).toBe(286);
        const html = await fragment.text();
        expect(html).toContain('id="closed"');
        expect(html).not.toContain("hx-trigger");
        expect(await (await client.get(`/api/results?poll=${poll.id}`)).json()).toMatchObject({ status: "closed" });
        expect((await client.post(`/api/polls/${poll.id}/open`, "", bearer(poll.manageToken))).status).toBe(200);
        await waitForStatus(client, poll.id, 200, "vote=a");
        await client.expectResults({ a: 1, b: 0, c: 0 }, 20_000, poll.id);
      }));

    it("exports results publicly and ballots with the token: CSV, quoted, formulas kept as text, voters hashed", () =>
      withTarget(async (client) => {
        const poll = await create(client, "Which?", ["=1+1", 'Say "hi", please']);
        await client.postForm(`/p/${poll.id}/vote`, "vote=a");
        await client.expectResults({ a: 1, b: 0 }, 20_000, poll.id);
        const results = await client.get(`/api/polls/${poll.id}/results.csv`);
        expect(results.status).toBe(200);
        expect(results.headers.get("content-type")).toMatch(/^text\/csv/);
        expect(results.headers.get("content-disposition")).toMatch(/^attachment; filename="[\w.-]+\.csv"$/);
        expect(await results.text()).toBe(
          `option_id,label,votes,percent\r\na,'=1+1,1,100\r\nb,"Say ""hi"", please",0,0\r\n`,
        );
        expect((await new Client(client.target).get(`/api/polls/${poll.id}/ballots.csv`)).status).toBe(401);
        const ballots = await client.get(`/api/polls/${poll.id}/ballots.csv`, bearer(poll.manageToken));
        expect(ballots.status).toBe(200);
        const lines = (await ballots.text()).trimEnd().split("\r\n");
        expect(lines[0]).toBe("voter,option_id,cast_at");
        expect(lines).toHaveLength(2);
        const [voter, option, castAt] = (lines[1] ?? "").split(",");
        const cookieVoter = decodeURIComponent(client.jar.get("voter_id") ?? "").split(".")[0];
        expect(voter).toMatch(/^[0-9a-f]{64}$/);
        expect(voter).not.toContain(cookieVoter);
        expect(option).toBe("a");
        expect(Number.isNaN(Date.parse(castAt ?? ""))).toBe(false);
      }));

    it("serves a QR code of the vote link as SVG", () =>
      withTarget(async (client) => {
        const poll = await create(client);
        const qr = await client.get(`/p/${poll.id}/qr.svg`);
        expect(qr.status).toBe(200);
        expect(qr.headers.get("content-type")).toBe("image/svg+xml");
        expect(await qr.text()).toMatch(/^<svg[^>]*viewBox/);
        expect((await client.get("/p/AAAAAAAAAAAA/qr.svg")).status).toBe(404);
      }));

    it("shows a hostile question and labels as text on every page", () =>
      withTarget(async (client) => {
        const hostile = `<img src=x onerror=alert(1)>"><script>alert(2)</script>`;
        const poll = await create(client, hostile, [`<b>bold</b>`, `' onmouseover='x`]);
        const manage = await client.get(`${new URL(poll.links.manage).pathname}${new URL(poll.links.manage).search}`);
        expect(manage.status).toBe(200);
        for (const path of [`/p/${poll.id}`, `/p/${poll.id}/results`, `/p/${poll.id}/manage`]) {
          const html = await (await client.get(path)).text();
          expect(html, path).not.toContain("<script>alert");
          expect(html, path).not.toContain("<img src=x");
          expect(html, path).not.toContain("<b>bold</b>");
          expect(html, path).toContain("&lt;script&gt;alert(2)&lt;/script&gt;");
        }
      }));
  });
}

/** Votes until the answer is `status`: a change of a poll's state reaches every process within about a second. */
async function waitForStatus(client: Client, poll: string, status: number, body: string): Promise<void> {
  let last = 0;
  await waitFor(
    async () => {
      last = (await client.postForm(`/p/${poll}/vote`, body)).status;
      return last === status;
    },
    () => `a vote in poll ${poll} to answer ${status} (last answer ${last})`,
    10_000,
    200,
  );
}
