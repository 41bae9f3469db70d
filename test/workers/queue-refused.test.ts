import { createExecutionContext, SELF, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { createChoiceRecorder } from "../../src/cloudflare/choice-recorder.ts";
import web from "../../src/cloudflare/web.ts";
import { votersKey } from "../../src/redis/keys.ts";
import { ORIGIN } from "../contract/http-contract.ts";
import { castRequest } from "../contract/ports/support.ts";
import { CookieJar } from "../helpers/cookie-jar.ts";
import { database, hashFields, prefix, redis, resetState, settled } from "./support.ts";

/** The platform refusing every send on every shard, as a queue does past its rate (docs/capacity.md). */
const refusingQueue = {
  send: () => Promise.reject(new Error("Queue send failed: Too Many Requests")),
  sendBatch: () => Promise.reject(new Error("Queue send failed: Too Many Requests")),
} as unknown as Queue;
const refusingEnv = { ...env, VOTES: refusingQueue, VOTES_1: refusingQueue } as Env;

async function send(jar: CookieJar, path: string, init: RequestInit = {}, workerEnv?: Env): Promise<Response> {
  const request = new Request(`${ORIGIN}${path}`, {
    ...init,
    headers: { ...(init.headers as Record<string, string>), Cookie: jar.header() },
  });
  let response: Response;
  if (workerEnv) {
    const ctx = createExecutionContext();
    response = await web.fetch(request as Request<unknown, IncomingRequestCfProperties>, workerEnv, ctx);
    await waitOnExecutionContext(ctx);
  } else {
    response = await SELF.fetch(request);
  }
  jar.take(response);
  return response;
}

const vote = (jar: CookieJar, choice: string, workerEnv?: Env) =>
  send(
    jar,
    "/vote",
    {
      method: "POST",
      body: `vote=${choice}`,
      headers: { "Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true" },
    },
    workerEnv,
  );

const voterOf = (jar: CookieJar) => decodeURIComponent(jar.get("voter_id") ?? "").split(".")[0]!;

describe("the web Worker when the queue refuses a ballot", () => {
  beforeEach(() => resetState());

  it("answers 503 with Retry-After and a message htmx shows in place, and keeps the voter's earlier choice", async () => {
    const jar = new CookieJar();
    expect((await vote(jar, "a")).status).toBe(200);
    await settled();

    const refused = await vote(jar, "b", refusingEnv);
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await refused.text()).toMatch(/^<span>Votes can(&#39;|')t be taken right now/);

    const page = await (await send(jar, "/vote")).text();
    expect(page).toMatch(/value="a" class="option chosen" aria-pressed="true"/);
    expect(page).not.toMatch(/value="b" class="option chosen"/);
    await settled();
    // As text: Hyperdrive's client here doesn't fetch array types.
    const rows = await database(
      (sql) => sql<{ choices: string }[]>`SELECT array_to_string(choices, ',') AS choices FROM votes`,
    );
    expect(rows.map((row) => row.choices)).toEqual(["a"]);
  });

  it("leaves no choice behind for a first-time voter whose ballot was refused", async () => {
    const jar = new CookieJar();
    expect((await vote(jar, "a", refusingEnv)).status).toBe(503);
    expect(await redis.hexists(votersKey(prefix, "default"), voterOf(jar))).toBe(0);
    const page = await (await send(jar, "/vote")).text();
    expect(page).not.toMatch(/class="option chosen"/);
  });

  it("answers the JSON API with 503 and an error too", async () => {
    const ctx = createExecutionContext();
    const refused = await web.fetch(
      new Request(`${ORIGIN}/api/votes`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ vote: "a" }),
      }),
      refusingEnv,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toEqual({ error: expect.stringMatching(/can't be taken right now/) });
  });

  it("puts back a voter's state kept in the older two-field form", async () => {
    const recorder = createChoiceRecorder(redis, prefix, 600);
    const voter = crypto.randomUUID();
    const key = votersKey(prefix, "default");
    // Ahead of the store's clock, so the new version has to be this one plus one.
    const older = Date.now() * 1000 + 3_600_000_000_000;
    await redis.hset(key, { [voter]: "a", [`${voter}:v`]: String(older) });
    const unlimited = { address: "203.0.113.9", perAddress: 0, perVoter: 0, windowMs: 60_000 };
    const recorded = await recorder.record(castRequest("default", voter, ["b"]), unlimited);
    if (!recorded.ok) throw new Error("no limit was set");
    expect(recorded.version).toBe(older + 1);
    expect(recorded.previous).toEqual({ field: "a", versionField: String(older) });
    expect(await hashFields(key)).toEqual({ [voter]: `${older + 1} b` });
    expect(await recorder.undo({ poll: "default", voter }, recorded)).toBe(true);
    expect(await hashFields(key)).toEqual({ [voter]: "a", [`${voter}:v`]: String(older) });
  });

  it("never undoes a newer vote than the one refused", async () => {
    const recorder = createChoiceRecorder(redis, prefix, 600);
    const voter = crypto.randomUUID();
    const vote = { poll: "default", voter };
    const unlimited = { address: "203.0.113.9", perAddress: 0, perVoter: 0, windowMs: 60_000 };
    const refusedOne = await recorder.record(castRequest("default", voter, ["a"]), unlimited);
    const newer = await recorder.record(castRequest("default", voter, ["b"]), unlimited);
    if (!refusedOne.ok || !newer.ok) throw new Error("no limit was set");
    expect(newer.previous).toEqual({ field: `${refusedOne.version} a`, versionField: null });
    expect(await recorder.undo(vote, refusedOne)).toBe(false);
    const key = votersKey(prefix, "default");
    expect(await redis.hget(key, voter)).toBe(`${newer.version} b`);
    expect(await recorder.undo(vote, newer)).toBe(true);
    expect(await hashFields(key)).toEqual({ [voter]: `${refusedOne.version} a` });
  });
});
