import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createPollStore } from "../../src/cloudflare/poll-store.ts";
import web from "../../src/cloudflare/web.ts";
import { pollFromDraft } from "../../src/domain/polls.ts";
import { draft } from "../helpers/polls.ts";
import { prefix, redis } from "./support.ts";

const ORIGIN = "http://poll-store.vote.test";

describe("the web Worker's copy of the polls in Upstash", () => {
  it("reads back the poll it wrote", async () => {
    const store = createPollStore(redis, `${prefix}ps-${crypto.randomUUID()}:`, 600);
    const poll = pollFromDraft("PollStore001", draft("Read back?", ["Yes", "No"]));
    expect(await store.readPoll(poll.id)).toBeUndefined();
    await store.writePoll(poll);
    expect(await store.readPoll(poll.id)).toEqual(poll);
  });

  it("serves a created poll on the vote path from Upstash alone, with PostgreSQL unreachable", async () => {
    const created = await web.fetch(
      new Request(`${ORIGIN}/api/polls`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ question: "Upstash only?", options: ["Yes", "No"] }),
      }) as Request<unknown, IncomingRequestCfProperties>,
      env,
      { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext,
    );
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const away = {
      ...env,
      HYPERDRIVE: { ...env.HYPERDRIVE, connectionString: "postgres://postgres:postgres@127.0.0.1:1/nowhere" },
    } as Env;
    const described = await web.fetch(
      new Request(`${ORIGIN}/api/polls/${id}`) as Request<unknown, IncomingRequestCfProperties>,
      away,
      { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext,
    );
    expect(described.status).toBe(200);
    expect(await described.json()).toMatchObject({ id, question: "Upstash only?" });
  });
});
