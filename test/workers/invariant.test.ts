import { createExecutionContext, createMessageBatch, getQueueResult, SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import consumer from "../../workers/consumer/index.ts";
import { CookieJar } from "../helpers/cookie-jar.ts";
import { database, resetState, settled } from "./support.ts";

const VOTERS = 40;
const VOTES_EACH = 5;

describe("the Workers target under a burst of changing votes and redeliveries", () => {
  beforeAll(() => resetState());

  it("ends with tallies equal to every voter's last choice", async () => {
    const last = new Map<string, string>();
    const cast: { voter: string; choice: string; version: number }[] = [];
    await Promise.all(
      Array.from({ length: VOTERS }, async () => {
        const jar = new CookieJar();
        for (let v = 1; v <= VOTES_EACH; v++) {
          const choice = Math.random() < 0.5 ? "a" : "b";
          const response = await SELF.fetch("http://vote.test/api/votes", {
            method: "POST",
            headers: { "Content-Type": "application/json", Cookie: jar.header() },
            body: JSON.stringify({ vote: choice }),
          });
          expect(response.status).toBe(202);
          jar.take(response);
          const { version } = (await response.json()) as { version: number };
          const voter = decodeURIComponent(jar.get("voter_id") ?? "").split(".")[0]!;
          cast.push({ voter, choice, version });
          last.set(voter, choice);
        }
      }),
    );
    await settled();

    // The queue delivers at least once and in any order: hand the consumer
    // every ballot again, shuffled, as late redeliveries.
    const again = cast
      .map((b) => ({ poll: "default", ...b, castAt: new Date().toISOString() }))
      .sort(() => Math.random() - 0.5);
    const batch = createMessageBatch(
      "votes",
      again.map((body, i) => ({ id: `again-${i}`, timestamp: new Date(), attempts: 2, body })),
    );
    const ctx = createExecutionContext();
    await consumer.queue(batch, env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toHaveLength(again.length);

    const expected = { a: 0, b: 0 };
    for (const choice of last.values()) expected[choice as "a" | "b"]++;
    const rows = await database(
      (sql) => sql<{ option_id: string; votes: string }[]>`SELECT option_id, votes FROM tallies ORDER BY option_id`,
    );
    const tallies = Object.fromEntries(rows.map((row) => [row.option_id, Number(row.votes)]));
    expect({ a: tallies.a ?? 0, b: tallies.b ?? 0 }).toEqual(expected);
    const [counted] = await database((sql) => sql<{ n: string }[]>`SELECT count(*) AS n FROM votes`);
    expect(Number(counted?.n)).toBe(VOTERS);
  });
});
