import { describe, expect, it } from "vitest";
import { createDefaultPoll } from "../../src/domain/polls.ts";
import { describeTotal, roundedPercents, summarizeResults } from "../../src/domain/tallies.ts";

describe("percentages", () => {
  it("always add up to 100 when anyone voted", () => {
    for (let a = 0; a <= 40; a++) {
      for (let b = 0; b <= 40; b++) {
        for (const c of [0, 1, 7]) {
          if (a + b + c === 0) continue;
          const percents = roundedPercents([a, b, c]);
          expect(percents.reduce((sum, p) => sum + p, 0)).toBe(100);
        }
      }
    }
  });

  it("are all zero when nobody voted", () => {
    expect(roundedPercents([0, 0])).toEqual([0, 0]);
  });

  it("give a three-way tie 34/33/33 with the extra point to the first option", () => {
    expect(roundedPercents([1, 1, 1])).toEqual([34, 33, 33]);
  });

  it("stay within one point of the exact share", () => {
    const counts = [2, 3, 5, 7, 11];
    const total = counts.reduce((s, n) => s + n, 0);
    roundedPercents(counts).forEach((p, i) => {
      expect(Math.abs(p - ((counts[i] ?? 0) * 100) / total)).toBeLessThan(1);
    });
  });
});

describe("results", () => {
  const poll = createDefaultPoll("Cats", "Dogs");

  it("list every option in poll order, counting missing ones as zero", () => {
    const results = summarizeResults(poll, { options: { b: 3 }, participants: 3 });
    expect(results).toEqual({
      poll: "default",
      question: "Cats or Dogs?",
      total: 3,
      participants: 3,
      options: [
        { id: "a", label: "Cats", votes: 0, percent: 0 },
        { id: "b", label: "Dogs", votes: 3, percent: 100 },
      ],
    });
  });

  it("ignore counts for options the poll doesn't have", () => {
    expect(summarizeResults(poll, { options: { a: 1, zebra: 9 }, participants: 1 }).total).toBe(1);
  });

  it("give a multi-select poll's percentages of the people who voted, so they may add up to more than 100", () => {
    const multi = { ...poll, maxChoices: 2 };
    const results = summarizeResults(multi, { options: { a: 3, b: 2 }, participants: 4 });
    expect(results.total).toBe(5);
    expect(results.participants).toBe(4);
    expect(results.options.map((option) => option.percent)).toEqual([75, 50]);
  });

  it("describe the total in words", () => {
    expect(describeTotal(0)).toBe("No votes yet");
    expect(describeTotal(1)).toBe("1 vote");
    expect(describeTotal(2)).toBe("2 votes");
    expect(describeTotal(1234567)).toBe("1,234,567 votes");
  });
});
