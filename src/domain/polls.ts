/** Open polls take votes; a closed poll's counts are final. */
export type PollStatus = "open" | "closed";

/** A poll: a question and the options a voter can choose from. */
export interface Poll {
  id: string;
  question: string;
  options: readonly PollOption[];
  status: PollStatus;
}

export interface PollOption {
  id: string;
  label: string;
}

export const DEFAULT_POLL_ID = "default";

/** Builds the default poll from the two labels the original app took from OPTION_A and OPTION_B. */
export function createDefaultPoll(optionA: string, optionB: string): Poll {
  return {
    id: DEFAULT_POLL_ID,
    question: `${optionA} or ${optionB}?`,
    options: [
      { id: "a", label: optionA },
      { id: "b", label: optionB },
    ],
    status: "open",
  };
}

export function hasOption(poll: Poll, optionId: string): boolean {
  return poll.options.some((option) => option.id === optionId);
}

/** Ids of created polls: 12 URL-safe characters from 72 random bits, so they can't be guessed. */
const CREATED_POLL_ID = /^[A-Za-z0-9_-]{12}$/;

/** A created poll's id or the default one: anything else is not worth a lookup. */
export function isPollId(value: unknown): value is string {
  return typeof value === "string" && (value === DEFAULT_POLL_ID || CREATED_POLL_ID.test(value));
}

export const QUESTION_MAX = 200;
export const OPTIONS_MIN = 2;
export const OPTIONS_MAX = 10;
export const OPTION_LABEL_MAX = 80;

/** A poll as its creator wrote it, checked. */
export interface PollDraft {
  question: string;
  options: string[];
}

export type DraftCheck = { ok: true; draft: PollDraft } | { ok: false; field: "question" | "options"; error: string };

/**
 * Checks what a creator sent: a question of 1-200 characters and 2-10
 * options of 1-80 characters each, no two the same ignoring case (text is
 * trimmed first). The refusal names the field, for the API and the form.
 */
export function checkPollDraft(question: unknown, options: unknown): DraftCheck {
  if (typeof question !== "string" || question.trim().length === 0 || question.trim().length > QUESTION_MAX) {
    return { ok: false, field: "question", error: `question must be text of 1 to ${QUESTION_MAX} characters` };
  }
  if (!Array.isArray(options) || options.length < OPTIONS_MIN || options.length > OPTIONS_MAX) {
    return {
      ok: false,
      field: "options",
      error: `options must be a list of ${OPTIONS_MIN} to ${OPTIONS_MAX} answers`,
    };
  }
  const labels: string[] = [];
  for (const option of options) {
    if (typeof option !== "string" || option.trim().length === 0 || option.trim().length > OPTION_LABEL_MAX) {
      return { ok: false, field: "options", error: `options must each be text of 1 to ${OPTION_LABEL_MAX} characters` };
    }
    labels.push(option.trim());
  }
  const seen = new Set<string>();
  for (const label of labels) {
    const key = label.toLocaleLowerCase("en-US");
    if (seen.has(key)) return { ok: false, field: "options", error: `options must differ: "${label}" is there twice` };
    seen.add(key);
  }
  return { ok: true, draft: { question: question.trim(), options: labels } };
}

/** The poll a checked draft becomes: option ids a, b, c ... in the order given. */
export function pollFromDraft(id: string, draft: PollDraft): Poll {
  return {
    id,
    question: draft.question,
    options: draft.options.map((label, i) => ({ id: String.fromCharCode(97 + i), label })),
    status: "open",
  };
}
