import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { votersKey } from "../../src/redis/keys.ts";
import { heldChoices } from "../../src/redis/vote-args.ts";
import { type InProcessApp, startInProcessApp } from "../helpers/in-process-app.ts";
import { talliesAndVoteCounts } from "../helpers/invariants.ts";

/**
 * A poll's deadline, reset and deletion racing votes, on the real Node stack
 * (Redis, the stream, PostgreSQL), with the queue consumed only afterwards:
 * the backlog a busy consumer or an outage leaves.
 */
describe("a poll's owner and clock racing its voters (Node)", () => {
  let app: InProcessApp;
  beforeEach(async () => {
    app = await startInProcessApp();
  });
  afterEach(async () => {
    await app?.close();
  });

  const request = (path: string, init: RequestInit = {}) => app.request(path, init);
  const consume = () => app.consume();
  const json = (body: unknown, headers: Record<string, string> = {}) => ({
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

  async function createPoll(settings: Record<string, unknown> = {}) {
    const response = await request("/api/polls", json({ question: "?", options: ["A", "B", "C"], ...settings }));
    expect(response.status).toBe(201);
    return (await response.json()) as { id: string; manageToken: string };
  }

  /** A vote by a new voter (the API sets no cookie: each call is its own voter); the status. */
  const vote = async (poll: string, choice: string | string[]) =>
    (await request("/api/votes", json({ poll, vote: choice }))).status;

  it("counts exactly the votes Redis took before closesAt, though the queue delivers them after it", async () => {
    const poll = await createPoll({ closesAt: new Date(Date.now() + 3_000).toISOString(), maxChoices: 2 });
    const statuses: number[] = [];
    // Votes until the deadline refuses them, then a few more; nothing is consumed meanwhile.
    while (statuses.filter((status) => status === 409).length < 5) {
      statuses.push(await vote(poll.id, statuses.length % 3 === 0 ? ["a", "c"] : "b"));
    }
    const accepted = statuses.filter((status) => status === 202).length;
    expect(accepted).toBeGreaterThan(0);
    expect(statuses.slice(statuses.indexOf(409)).every((status) => status === 409)).toBe(true);
    expect(new Set(statuses)).toEqual(new Set([202, 409]));
    // The deadline has passed when the consumer applies them: every one counts all the same.
    expect(await consume()).toEqual(Array(accepted).fill("applied"));
    const [row] = await app.db.sql`SELECT count(*)::int AS n FROM votes WHERE poll_id = ${poll.id}`;
    expect(row?.n).toBe(accepted);
    const counts = await talliesAndVoteCounts(app.db.sql, poll.id);
    expect(counts.tallies).toEqual(counts.counted);
    expect(counts.participants).toBe(counts.voters);
    const results = (await (await request(`/api/results?poll=${poll.id}`)).json()) as { participants: number };
    expect(results.participants).toBe(accepted);
  });

  it("after a reset racing votes, counts only ballots cast under the new revision, each voter once", async () => {
    const poll = await createPoll();
    const before = await Promise.all(Array.from({ length: 20 }, () => vote(poll.id, "a")));
    expect(before.every((status) => status === 202)).toBe(true);
    // Votes keep coming while the owner resets.
    const racing = Array.from({ length: 40 }, (_, i) => vote(poll.id, i % 2 === 0 ? "b" : "c"));
    const reset = await request(`/api/polls/${poll.id}/reset`, {
      method: "POST",
      headers: { Authorization: `Bearer ${poll.manageToken}` },
    });
    expect(reset.status).toBe(200);
    const during = await Promise.all(racing);
    expect(during.every((status) => status === 202)).toBe(true);
    const after = await Promise.all(Array.from({ length: 10 }, () => vote(poll.id, "a")));
    expect(after.every((status) => status === 202)).toBe(true);
    const verdicts = await consume();
    expect(verdicts.filter((verdict) => verdict === "applied").length).toBe(
      verdicts.length - verdicts.filter((verdict) => verdict === "before-reset").length,
    );
    expect(verdicts.filter((verdict) => verdict === "before-reset").length).toBeGreaterThanOrEqual(20);
    // What counts is exactly what the vote store holds now: the voters of the new revision.
    const voters = await app.redis.client.hGetAll(votersKey(app.redis.prefix, poll.id));
    const held: Record<string, number> = {};
    for (const field of Object.values(voters)) {
      const choice = heldChoices(field)!.join(",");
      held[choice] = (held[choice] ?? 0) + 1;
    }
    const counts = await talliesAndVoteCounts(app.db.sql, poll.id);
    expect(counts.tallies).toEqual(held);
    expect(counts.counted).toEqual(held);
    expect(counts.participants).toBe(counts.voters);
    expect(held.a).toBe(10);
  });

  it("refuses a deleted poll's queued ballots for good: no rows, no dead letters, 404 everywhere", async () => {
    const poll = await createPoll();
    expect(await Promise.all(Array.from({ length: 15 }, () => vote(poll.id, "b")))).toEqual(Array(15).fill(202));
    const deleted = await request(`/api/polls/${poll.id}`, {
      method: "DELETE",
      headers: { Authorization: `Bearer ${poll.manageToken}` },
    });
    expect(deleted.status).toBe(204);
    expect(await consume()).toEqual(Array(15).fill("poll-deleted"));
    const [row] = await app.db.sql`SELECT
      (SELECT count(*)::int FROM votes WHERE poll_id = ${poll.id}) AS votes,
      (SELECT count(*)::int FROM tallies WHERE poll_id = ${poll.id}) AS tallies,
      (SELECT count(*)::int FROM polls WHERE id = ${poll.id}) AS polls`;
    expect(row).toEqual({ votes: 0, tallies: 0, polls: 0 });
    expect(await app.redis.client.exists(votersKey(app.redis.prefix, poll.id))).toBe(0);
    for (const path of [
      `/p/${poll.id}`,
      `/p/${poll.id}/results`,
      `/api/polls/${poll.id}`,
      `/api/results?poll=${poll.id}`,
    ]) {
      expect((await request(path)).status, path).toBe(404);
    }
    expect(await vote(poll.id, "a")).toBe(404);
  });
});
