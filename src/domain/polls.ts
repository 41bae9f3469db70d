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
 * What shows nothing on a page: control and format characters (zero-width
 * spaces and joiners, bidi marks, the BOM), white space, and the rest of
 * Unicode's default-ignorable code points (fillers, variation selectors...).
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{White_Space}\p{Default_Ignorable_Code_Point}]/gu;
const CONTROL = /\p{Cc}/u;

/** The text as a reader sees it: for telling blank text, and two labels that look the same, apart. */
export function visibleText(text: string): string {
  return text.replace(INVISIBLE, "");
}

/**
 * Why a label (question or option) can't be used, or undefined: not text,
 * not Unicode (half a surrogate pair), holding a control character (a NUL
 * is refused by PostgreSQL; the others have no business in a label), blank
 * once what shows nothing is taken away, or longer than `max`.
 */
export function labelProblem(value: unknown, max: number): string | undefined {
  if (typeof value !== "string") return "must be text";
  const text = value.trim();
  // String.prototype.isWellFormed (ES2024, in Node 20+ and workerd): no half of a surrogate pair.
  if (!(text as string & { isWellFormed(): boolean }).isWellFormed()) return "must be Unicode text";
  if (CONTROL.test(text)) return "must not hold control characters";
  if (visibleText(text) === "") return "must not be blank";
  if (text.length > max) return `must be at most ${max} characters`;
  return undefined;
}

/**
 * Checks what a creator sent: a question of 1-200 characters and 2-10
 * options of 1-80 characters each, no two the same ignoring case and what
 * shows nothing (text is trimmed first); nothing blank to the eye, and no
 * control characters. The refusal names the field, for the API and the form.
 */
export function checkPollDraft(question: unknown, options: unknown): DraftCheck {
  const questionProblem = labelProblem(question, QUESTION_MAX);
  if (questionProblem) {
    return { ok: false, field: "question", error: `question ${questionProblem} (1 to ${QUESTION_MAX} characters)` };
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
    const problem = labelProblem(option, OPTION_LABEL_MAX);
    if (problem)
      return { ok: false, field: "options", error: `options each ${problem} (1 to ${OPTION_LABEL_MAX} characters)` };
    labels.push((option as string).trim());
  }
  const seen = new Set<string>();
  for (const label of labels) {
    const key = visibleText(label).toLocaleLowerCase("en-US");
    if (seen.has(key)) return { ok: false, field: "options", error: `options must differ: "${label}" is there twice` };
    seen.add(key);
  }
  return { ok: true, draft: { question: (question as string).trim(), options: labels } };
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
