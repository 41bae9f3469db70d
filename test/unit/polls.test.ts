import { describe, expect, it } from "vitest";
import {
  checkPollDraft,
  countsVisible,
  DEFAULT_SETTINGS,
  isPollId,
  type Poll,
  pollFromDraft,
  selectionProblem,
  statusAt,
} from "../../src/domain/polls.ts";
import { draft, tea } from "../helpers/polls.ts";

const NOW = Date.parse("2026-12-05T12:00:00Z");
const check = (question: unknown, options: unknown, settings: Record<string, unknown> = {}) =>
  checkPollDraft({ question, options, ...settings }, NOW);

describe("checking a new poll", () => {
  const options = ["Tea", "Coffee"];

  it("accepts a question and options, trimmed, and gives options the ids a, b, c ... in order", () => {
    const checked = check("  Tea or coffee?  ", ["  Tea ", "Coffee", "Neither"]);
    expect(checked).toEqual({ ok: true, draft: draft("Tea or coffee?", ["Tea", "Coffee", "Neither"]) });
    if (!checked.ok) return;
    expect(pollFromDraft("AbCdEfGhIjKl", checked.draft)).toEqual({
      ...DEFAULT_SETTINGS,
      id: "AbCdEfGhIjKl",
      question: "Tea or coffee?",
      options: [
        { id: "a", label: "Tea" },
        { id: "b", label: "Coffee" },
        { id: "c", label: "Neither" },
      ],
      status: "open",
    });
  });

  it("takes 1 to 200 characters of question and 2 to 10 options of 1 to 80", () => {
    expect(check("q".repeat(200), options).ok).toBe(true);
    expect(
      check(
        "?",
        Array.from({ length: 10 }, (_, i) => `option ${i}`),
      ).ok,
    ).toBe(true);
    expect(check("?", ["x".repeat(80), "y"]).ok).toBe(true);
  });

  it("takes the settings, times as ISO-8601 with an offset, kept in UTC", () => {
    const checked = check("?", ["a", "b", "c"], {
      minChoices: 1,
      maxChoices: 2,
      results: "hidden",
      protection: "challenge",
      opensAt: "2026-12-05T14:00:00+01:00",
      closesAt: "2026-12-05T14:30:00Z",
    });
    expect(checked).toEqual({
      ok: true,
      draft: draft("?", ["a", "b", "c"], {
        maxChoices: 2,
        results: "hidden",
        protection: "challenge",
        opensAt: "2026-12-05T13:00:00.000Z",
        closesAt: "2026-12-05T14:30:00.000Z",
      }),
    });
  });

  it.each([
    ["a missing question", undefined, options, {}, "question"],
    ["a blank question", "   ", options, {}, "question"],
    ["a question of 201 characters", "q".repeat(201), options, {}, "question"],
    ["a question that is not text", 42, options, {}, "question"],
    ["no options", "?", undefined, {}, "options"],
    ["one option", "?", ["only"], {}, "options"],
    ["eleven options", "?", Array.from({ length: 11 }, (_, i) => `o${i}`), {}, "options"],
    ["a blank option", "?", ["a", " "], {}, "options"],
    ["an option of 81 characters", "?", ["a", "x".repeat(81)], {}, "options"],
    ["an option that is not text", "?", ["a", 2], {}, "options"],
    ["two options equal but for case", "?", ["Tea", "TEA "], {}, "options"],
    ["more choices than options", "?", options, { maxChoices: 3 }, "maxChoices"],
    ["a fraction of a choice", "?", options, { maxChoices: 1.5 }, "maxChoices"],
    ["choices as text", "?", options, { maxChoices: "2" }, "maxChoices"],
    ["a minimum above the maximum", "?", options, { maxChoices: 1, minChoices: 2 }, "minChoices"],
    ["an unknown visibility", "?", options, { results: "secret" }, "results"],
    ["an unknown protection", "?", options, { protection: "captcha" }, "protection"],
    ["a time without an offset", "?", options, { closesAt: "2026-12-24T18:00:00" }, "closesAt"],
    ["an opening that is not a time", "?", options, { opensAt: "tomorrow" }, "opensAt"],
    ["a closing in the past", "?", options, { closesAt: "2026-12-05T11:59:59Z" }, "closesAt"],
    // Years PostgreSQL can't store (found by test/contract/hostile-input.ts: they were a 500).
    ["a closing its offset takes into year 10000", "?", options, { closesAt: "9999-12-31T23:59:59-23:59" }, "closesAt"],
    ["an opening in year 0", "?", options, { opensAt: "0000-06-01T00:00:00Z" }, "opensAt"],
    ["an opening its offset takes before year 0", "?", options, { opensAt: "0000-01-01T00:30:00+01:00" }, "opensAt"],
    [
      "a closing before the opening",
      "?",
      options,
      { opensAt: "2026-12-06T10:00:00Z", closesAt: "2026-12-06T09:00:00Z" },
      "closesAt",
    ],
  ])("refuses %s, naming the field", (_, question, given, settings, field) => {
    const checked = check(question, given, settings);
    expect(checked.ok).toBe(false);
    if (!checked.ok) {
      expect(checked.field).toBe(field);
      expect(checked.error).toMatch(new RegExp(`^${field}`));
    }
  });

  it("knows a poll id when it sees one: 12 URL-safe characters, or the default poll", () => {
    expect(isPollId("default")).toBe(true);
    expect(isPollId("Ab-_0123456z")).toBe(true);
    for (const bad of ["short", "Ab-_0123456z!", "../etc/passwd", "", 12, null]) expect(isPollId(bad)).toBe(false);
  });
});

describe("a poll's settings at work", () => {
  const multi: Poll = { ...tea, minChoices: 1, maxChoices: 2 };

  it("checks a selection against the poll's options and limits", () => {
    expect(selectionProblem(multi, ["a", "c"])).toBeUndefined();
    expect(selectionProblem(multi, ["a", "z"])).toBe("unknown-option");
    expect(selectionProblem(multi, ["a", "a"])).toBe("repeated");
    expect(selectionProblem(multi, [])).toBe("too-few");
    expect(selectionProblem(multi, ["a", "b", "c"])).toBe("too-many");
  });

  it("closes at closesAt without anyone closing it", () => {
    const timed: Poll = { ...tea, closesAt: "2026-12-05T12:00:00.000Z" };
    expect(statusAt(timed, NOW - 1)).toBe("open");
    expect(statusAt(timed, NOW)).toBe("closed");
    expect(statusAt({ ...tea, status: "closed" }, NOW)).toBe("closed");
  });

  it.each([
    ["always", { owner: false, voted: false }, "open", true],
    ["after-vote", { owner: false, voted: false }, "open", false],
    ["after-vote", { owner: false, voted: true }, "open", true],
    ["after-vote", { owner: false, voted: false }, "closed", true],
    ["after-close", { owner: false, voted: true }, "open", false],
    ["after-close", { owner: false, voted: false }, "closed", true],
    ["hidden", { owner: false, voted: true }, "closed", false],
    ["hidden", { owner: true, voted: false }, "open", true],
  ] as const)("shows counts with results %s to %o on a poll %s: %s", (results, viewer, status, visible) => {
    expect(countsVisible({ ...tea, results, status }, viewer, NOW)).toBe(visible);
  });

  it("shows hidden counts to everyone once revealed", () => {
    expect(countsVisible({ ...tea, results: "hidden", revealed: true }, { owner: false, voted: false }, NOW)).toBe(
      true,
    );
  });
});
