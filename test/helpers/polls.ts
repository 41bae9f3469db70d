import { createDefaultPoll, DEFAULT_SETTINGS, type Poll, type PollDraft } from "../../src/domain/polls.ts";

/** The default poll as the default configuration makes it (OPTION_A, OPTION_B): Cats or Dogs, ids a and b. */
export const defaultPoll = createDefaultPoll("Cats", "Dogs");

/** A created poll: an id of a created poll's shape, three options a, b and c, open. */
export const tea: Poll = {
  id: "TeaOrCoffee1",
  question: "Tea or coffee?",
  options: [
    { id: "a", label: "Tea" },
    { id: "b", label: "Coffee" },
    { id: "c", label: "Water" },
  ],
  status: "open",
  ...DEFAULT_SETTINGS,
};

/** A checked draft of a poll with the first step's settings (one choice, results always shown), `settings` aside. */
export function draft(question: string, options: string[], settings: Partial<PollDraft> = {}): PollDraft {
  return {
    question,
    options,
    minChoices: 1,
    maxChoices: 1,
    results: "always",
    protection: "cookie",
    ...settings,
  };
}
