import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CookieJar } from "../helpers/cookie-jar.ts";
import { type InProcessApp, startInProcessApp } from "../helpers/in-process-app.ts";
import { waitFor } from "../helpers/wait.ts";

/**
 * Hidden results leak nowhere: two hidden polls with the same question,
 * options and number of voters but opposite counts must answer every GET
 * route of the app with the same bytes (once each poll's id is taken out),
 * to anyone and to a voter; only the owner's own pages may differ. If a
 * count reached any page, fragment, API answer, CSV or ETag, the two would
 * differ there.
 */
describe("a poll's hidden counts (Node, every route)", () => {
  let app: InProcessApp;
  const polls: { id: string; manageToken: string; voter: CookieJar }[] = [];
  const request = (path: string, init: RequestInit = {}) => app.request(path, init);
  const consume = () => app.consume();

  beforeAll(async () => {
    app = await startInProcessApp();
    // Three voters each: Tea, Tea, Coffee in one poll; Water, Coffee, Coffee in the other.
    for (const choices of [
      ["a", "a", "b"],
      ["c", "b", "b"],
    ]) {
      const created = await request("/api/polls", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ question: "Which drink?", options: ["Tea", "Coffee", "Water"], results: "hidden" }),
      });
      expect(created.status).toBe(201);
      const poll = (await created.json()) as { id: string; manageToken: string };
      let voter = new CookieJar();
      for (const choice of choices) {
        voter = new CookieJar();
        const voted = await request(`/p/${poll.id}/vote`, {
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: voter.header() },
          body: `vote=${choice}`,
        });
        expect(voted.status).toBe(200);
        voter.take(voted);
      }
      polls.push({ ...poll, voter });
    }
    expect(await consume()).toEqual(Array(6).fill("applied"));
  });
  afterAll(async () => {
    await app?.close();
  });

  /** The GET routes that name a poll, from the app itself; the QR code only encodes the poll's link. */
  const pollRoutes = () =>
    app.web.routes
      .filter((route) => route.method === "GET" && route.path.includes(":poll") && !route.path.endsWith("qr.svg"))
      .map((route) => route.path);

  async function answer(path: string, poll: (typeof polls)[number], as: "anyone" | "voter") {
    const headers: Record<string, string> = as === "voter" ? { Cookie: poll.voter.header() } : {};
    const response = await request(path.replaceAll(":poll", poll.id), { headers });
    const body = (await response.text()).replaceAll(poll.id, "POLL");
    return {
      status: response.status,
      // A voter's own ballot is theirs to see; only counts must not show.
      body: body.replace(/class="option chosen"|aria-pressed="true"|checked=""/g, ""),
    };
  }

  it("are the same bytes whatever the counts, on every route that names the poll, to anyone and to a voter", async () => {
    const paths = pollRoutes();
    expect(paths).toEqual(expect.arrayContaining(["/p/:poll/results", "/p/:poll/present", "/p/:poll/embed"]));
    for (const path of paths) {
      for (const as of ["anyone", "voter"] as const) {
        const [one, other] = [await answer(path, polls[0]!, as), await answer(path, polls[1]!, as)];
        expect(other, `${path} as ${as}`).toEqual(one);
      }
    }
    const api = await answer("/api/results?poll=:poll", polls[0]!, "voter");
    expect(JSON.parse(api.body)).toMatchObject({ hidden: true, participants: 3 });
    expect(api.body).not.toMatch(/"votes"|"percent"|"total"/);
    expect((await answer("/api/polls/:poll/results.csv", polls[0]!, "anyone")).status).toBe(403);
  });

  it("keep a fragment's bytes and ETag when a voter changes their mind behind them", async () => {
    const poll = polls[0]!;
    const before = await request(`/p/${poll.id}/results/fragment`);
    const etag = before.headers.get("etag");
    const body = await before.text();
    // The poll's last voter chose Coffee: now Water. Same people, other counts.
    const changed = await request(`/p/${poll.id}/vote`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: poll.voter.header() },
      body: "vote=c",
    });
    expect(changed.status).toBe(200);
    await consume();
    // Once this process reads the new counts (its results cache lasts about a second), the owner sees them...
    await waitFor(async () => {
      const owner = await request(`/api/results?poll=${poll.id}`, {
        headers: { Authorization: `Bearer ${poll.manageToken}` },
      });
      const { options } = (await owner.json()) as { options: { votes: number }[] };
      return options.map((option) => option.votes).join() === "2,0,1";
    }, "the owner to see the changed vote");
    const after = await request(`/p/${poll.id}/results/fragment`, { headers: { "If-None-Match": etag ?? "" } });
    // ...and no one else sees a thing.
    expect(after.status).toBe(304);
    expect(await (await request(`/p/${poll.id}/results/fragment`)).text()).toBe(body);
  });

  it("show the owner the counts (as changed above), and everyone once revealed", async () => {
    const owner = (poll: (typeof polls)[number]) =>
      request(`/api/results?poll=${poll.id}`, { headers: { Authorization: `Bearer ${poll.manageToken}` } });
    expect(await (await owner(polls[0]!)).json()).toMatchObject({
      total: 3,
      options: [{ votes: 2 }, { votes: 0 }, { votes: 1 }],
    });
    const revealed = await request(`/api/polls/${polls[0]!.id}/reveal`, {
      method: "POST",
      headers: { Authorization: `Bearer ${polls[0]!.manageToken}` },
    });
    expect(revealed.status).toBe(200);
    expect(await (await request(`/api/results?poll=${polls[0]!.id}`)).json()).toMatchObject({
      options: [{ votes: 2 }, { votes: 0 }, { votes: 1 }],
    });
    expect((await answer("/api/polls/:poll/results.csv", polls[0]!, "anyone")).status).toBe(200);
  });
});
