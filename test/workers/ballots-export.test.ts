import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ORIGIN } from "../contract/http-contract.ts";
import { database } from "./support.ts";

describe("the ballots export on Workers (a cursor through Hyperdrive)", () => {
  it("streams every voter's line to the owner", async () => {
    const created = await SELF.fetch(`${ORIGIN}/api/polls`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ question: "Export?", options: ["Yes", "No"] }),
    });
    const poll = (await created.json()) as { id: string; manageToken: string };
    await database(
      (sql) => sql`
        INSERT INTO votes (poll_id, voter_id, choices, version, cast_at)
        SELECT ${poll.id}, gen_random_uuid()::text, ARRAY['a'], 1, now() FROM generate_series(1, 2500)`,
    );
    const response = await SELF.fetch(`${ORIGIN}/api/polls/${poll.id}/ballots.csv`, {
      headers: { Authorization: `Bearer ${poll.manageToken}` },
    });
    expect(response.status).toBe(200);
    const lines = (await response.text()).split("\r\n").filter(Boolean);
    expect(lines[0]).toBe("voter,option_id,cast_at");
    expect(lines).toHaveLength(2_501);
  });
});
