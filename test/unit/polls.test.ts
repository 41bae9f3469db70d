import { describe, expect, it } from "vitest";
import { checkPollDraft, isPollId, pollFromDraft } from "../../src/domain/polls.ts";

describe("checking a new poll", () => {
  const options = ["Tea", "Coffee"];

  it("accepts a question and options, trimmed, and gives options the ids a, b, c ... in order", () => {
    const check = checkPollDraft("  Tea or coffee?  ", ["  Tea ", "Coffee", "Neither"]);
    expect(check).toEqual({ ok: true, draft: { question: "Tea or coffee?", options: ["Tea", "Coffee", "Neither"] } });
    if (!check.ok) return;
    expect(pollFromDraft("AbCdEfGhIjKl", check.draft)).toEqual({
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
    expect(checkPollDraft("q".repeat(200), options).ok).toBe(true);
    expect(
      checkPollDraft(
        "?",
        Array.from({ length: 10 }, (_, i) => `option ${i}`),
      ).ok,
    ).toBe(true);
    expect(checkPollDraft("?", ["x".repeat(80), "y"]).ok).toBe(true);
  });

  it.each([
    ["a missing question", undefined, options, "question"],
    ["a blank question", "   ", options, "question"],
    ["a question of 201 characters", "q".repeat(201), options, "question"],
    ["a question that is not text", 42, options, "question"],
    ["no options", "?", undefined, "options"],
    ["one option", "?", ["only"], "options"],
    ["eleven options", "?", Array.from({ length: 11 }, (_, i) => `o${i}`), "options"],
    ["a blank option", "?", ["a", " "], "options"],
    ["an option of 81 characters", "?", ["a", "x".repeat(81)], "options"],
    ["an option that is not text", "?", ["a", 2], "options"],
    ["two options equal but for case", "?", ["Tea", "TEA "], "options"],
  ])("refuses %s, naming the field", (_, question, given, field) => {
    const check = checkPollDraft(question, given);
    expect(check.ok).toBe(false);
    if (!check.ok) {
      expect(check.field).toBe(field);
      expect(check.error).toMatch(new RegExp(`^${field}`));
    }
  });

  it("knows a poll id when it sees one: 12 URL-safe characters, or the default poll", () => {
    expect(isPollId("default")).toBe(true);
    expect(isPollId("Ab-_0123456z")).toBe(true);
    for (const bad of ["short", "Ab-_0123456z!", "../etc/passwd", "", 12, null]) expect(isPollId(bad)).toBe(false);
  });
});
