import { describe, expect, it } from "vitest";
import { type Ballot, ballotMessage, latestBallots, parseBallot } from "../../src/domain/ballots.ts";

const voter = "0b7d1a52-3c7e-4d7a-9a51-2f0e8d6c4b11";
const valid: Ballot = {
  poll: "default",
  voter,
  choices: ["a"],
  version: 3,
  castAt: "2026-11-26T10:00:00.000Z",
  revision: 0,
};

describe("parsing a queued ballot", () => {
  it("accepts a well-formed ballot as its message or as JSON text", () => {
    expect(parseBallot(ballotMessage(valid))).toEqual({ ok: true, ballot: valid });
    expect(parseBallot(JSON.stringify(ballotMessage(valid)))).toEqual({ ok: true, ballot: valid });
  });

  it("writes one choice in the first step's format, and a set and a revision only when there are", () => {
    expect(ballotMessage(valid)).toEqual({ poll: "default", voter, choice: "a", version: 3, castAt: valid.castAt });
    const multi = { ...valid, choices: ["a", "c"], revision: 2 };
    expect(ballotMessage(multi)).toMatchObject({ choices: ["a", "c"], rev: 2 });
    expect(parseBallot(ballotMessage(multi))).toEqual({ ok: true, ballot: multi });
  });

  const message = ballotMessage(valid);
  it.each([
    ["not JSON", "{oops"],
    ["not an object", "[1,2]"],
    ["no poll", { ...message, poll: "" }],
    ["bad voter", { ...message, voter: "../../etc/passwd" }],
    ["no choice", { ...message, choice: "" }],
    ["a choice that is not text", { ...message, choice: 1 }],
    ["an empty set of choices", { ...message, choice: undefined, choices: [] }],
    ["a set of eleven choices", { ...message, choices: "abcdefghijk".split("") }],
    ["a set holding a number", { ...message, choices: ["a", 2] }],
    ["bad version (zero)", { ...message, version: 0 }],
    ["bad version (fraction)", { ...message, version: 1.5 }],
    ["bad version (text)", { ...message, version: "2" }],
    ["bad castAt", { ...message, castAt: "yesterday" }],
    ["a negative revision", { ...message, rev: -1 }],
    ["nothing at all", undefined],
  ])("refuses a ballot with %s", (_, message) => {
    expect(parseBallot(message).ok).toBe(false);
  });
});

describe("the newest ballot per voter", () => {
  const at = (choice: string, version: number, who = voter): Ballot => ({
    ...valid,
    voter: who,
    choices: [choice],
    version,
  });

  it("is the highest version whatever the order of arrival", () => {
    const ballots = [at("a", 1), at("b", 3), at("a", 2)];
    for (const order of [ballots, [...ballots].reverse(), [ballots[1]!, ballots[0]!, ballots[2]!]]) {
      expect(latestBallots(order)).toEqual([at("b", 3)]);
    }
  });

  it("is kept separately for each voter and each poll", () => {
    const other = "9c1e2b44-5d6f-4a7b-8c9d-0e1f2a3b4c5d";
    const result = latestBallots([at("a", 1), at("b", 1, other), at("b", 2), { ...at("a", 9), poll: "x" }]);
    expect(result).toHaveLength(3);
  });

  it("ignores exact duplicates (redelivery)", () => {
    expect(latestBallots([at("a", 2), at("a", 2), at("a", 2)])).toEqual([at("a", 2)]);
  });
});
