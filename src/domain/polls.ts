/** Open polls take votes; a closed poll's counts are final. */
export type PollStatus = "open" | "closed";

/** Who sees a poll's counts: its owner always; everyone, voters once they voted, everyone once it closed, or no one else until revealed. */
export type ResultsVisibility = "always" | "after-vote" | "after-close" | "hidden";
export const RESULTS_VISIBILITIES = [
  "always",
  "after-vote",
  "after-close",
  "hidden",
] as const satisfies readonly ResultsVisibility[];

/** What keeps one person to one ballot: the voter cookie; also one voter per client address (IPv6 by /64); or a solved challenge per vote. */
export type Protection = "cookie" | "address" | "challenge";
export const PROTECTIONS = ["cookie", "address", "challenge"] as const satisfies readonly Protection[];

/** A poll: a question, the options a voter can choose from, and how it runs. */
export interface Poll {
  id: string;
  question: string;
  options: readonly PollOption[];
  /** What its owner set: open, or closed (a poll past closesAt is closed too: see statusAt). */
  status: PollStatus;
  /** How many options a ballot holds: from minChoices to maxChoices (1 and 1: a single choice). */
  minChoices: number;
  maxChoices: number;
  results: ResultsVisibility;
  /** A hidden poll's counts, shown to everyone once its owner revealed them. */
  revealed: boolean;
  /** ISO-8601: votes are refused before it. */
  opensAt?: string | undefined;
  /** ISO-8601: the poll closes by itself then; a ballot counts only if the vote store took it before. */
  closesAt?: string | undefined;
  protection: Protection;
  /**
   * Grows with each edit and each reset. A vote names the revision it was
   * cast under: the vote store refuses one cast under an older revision (a
   * page that hadn't seen the edit), and the archive counts only ballots of
   * `countedFrom` or later (a reset drops what came before).
   */
  revision: number;
  /** The revision of the last reset: ballots of an older revision are not counted. */
  countedFrom: number;
  /**
   * SHA-256 of the manage token, hex: what proves the owner (the token itself
   * is never stored). Undefined for the default poll, which no one manages.
   * Never sent to a client.
   */
  ownerTokenHash?: string | undefined;
}

export interface PollOption {
  id: string;
  label: string;
}

export const DEFAULT_POLL_ID = "default";

/** How a poll runs when its creator said nothing: the first step's single-choice poll. */
export const DEFAULT_SETTINGS = {
  minChoices: 1,
  maxChoices: 1,
  results: "always",
  revealed: false,
  protection: "cookie",
  revision: 0,
  countedFrom: 0,
} as const satisfies Partial<Poll>;

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
    ...DEFAULT_SETTINGS,
  };
}

/** The poll's status at `now` (milliseconds): closed by its owner, or past its closesAt. */
export function statusAt(poll: Poll, now: number): PollStatus {
  if (poll.status === "closed") return "closed";
  return poll.closesAt !== undefined && now >= Date.parse(poll.closesAt) ? "closed" : "open";
}

/** Whether the poll is not open yet at `now` (before its opensAt). */
export function notYetOpen(poll: Poll, now: number): boolean {
  return poll.opensAt !== undefined && now < Date.parse(poll.opensAt);
}

/** A time as the vote store's clock counts (microseconds, as ballot versions are); 0 for none. */
export function microsOf(iso: string | undefined): number {
  return iso === undefined ? 0 : Date.parse(iso) * 1000;
}

/** Whether the poll takes more than one option per ballot. */
export function isMultiSelect(poll: Poll): boolean {
  return poll.maxChoices > 1;
}

/**
 * Why a selection can't be a ballot of this poll, or undefined: each an
 * option of the poll, none twice, at least minChoices and at most maxChoices.
 */
export function selectionProblem(
  poll: Poll,
  choices: readonly string[],
): "unknown-option" | "repeated" | "too-few" | "too-many" | undefined {
  if (choices.some((choice) => !hasOption(poll, choice))) return "unknown-option";
  if (new Set(choices).size !== choices.length) return "repeated";
  if (choices.length < poll.minChoices) return "too-few";
  if (choices.length > poll.maxChoices) return "too-many";
  return undefined;
}

/** Who asks to see a poll's counts. */
export interface Viewer {
  /** The poll's owner (its manage token). */
  owner: boolean;
  /** Has a current ballot in this poll. */
  voted: boolean;
}

/** Whether `viewer` may see the poll's counts at `now`; the owner always may. */
export function countsVisible(poll: Poll, viewer: Viewer, now: number): boolean {
  if (viewer.owner) return true;
  switch (poll.results) {
    case "always":
      return true;
    case "after-vote":
      return viewer.voted || statusAt(poll, now) === "closed";
    case "after-close":
      return statusAt(poll, now) === "closed";
    case "hidden":
      return poll.revealed;
  }
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
  minChoices: number;
  maxChoices: number;
  results: ResultsVisibility;
  opensAt?: string | undefined;
  closesAt?: string | undefined;
  protection: Protection;
}

/** The fields a creator sends; the refusal of a draft names one. */
export type DraftField =
  | "question"
  | "options"
  | "minChoices"
  | "maxChoices"
  | "results"
  | "opensAt"
  | "closesAt"
  | "protection";

export type DraftCheck = { ok: true; draft: PollDraft } | { ok: false; field: DraftField; error: string };

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

/** Why a question can't be used, naming the field, or undefined. */
function questionProblem(question: unknown): string | undefined {
  const problem = labelProblem(question, QUESTION_MAX);
  return problem && `question ${problem} (1 to ${QUESTION_MAX} characters)`;
}

/** The options as labels, or why they can't be: 2-10, each a label, no two the same to the eye. */
function checkOptions(options: unknown): { ok: true; labels: string[] } | { ok: false; error: string } {
  if (!Array.isArray(options) || options.length < OPTIONS_MIN || options.length > OPTIONS_MAX) {
    return { ok: false, error: `options must be a list of ${OPTIONS_MIN} to ${OPTIONS_MAX} answers` };
  }
  const labels: string[] = [];
  for (const option of options) {
    const problem = labelProblem(option, OPTION_LABEL_MAX);
    if (problem) return { ok: false, error: `options each ${problem} (1 to ${OPTION_LABEL_MAX} characters)` };
    labels.push((option as string).trim());
  }
  const seen = new Set<string>();
  for (const label of labels) {
    const key = visibleText(label).toLocaleLowerCase("en-US");
    if (seen.has(key)) return { ok: false, error: `options must differ: "${label}" is there twice` };
    seen.add(key);
  }
  return { ok: true, labels };
}

/** A whole number in [min, max], or undefined when it isn't one. */
function wholeNumberIn(value: unknown, min: number, max: number): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max ? value : undefined;
}

/** An ISO-8601 date and time with its offset, as the API takes them; undefined when it isn't one. */
export function parseInstant(value: unknown): string | undefined {
  if (
    typeof value !== "string" ||
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(value)
  ) {
    return undefined;
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return undefined;
  // The offset can carry a time out of years 0001-9999 (9999-12-31T23:59-23:59 is in year 10000):
  // PostgreSQL refuses those (no year 0; toISOString writes +010000), so they are not times here either.
  const iso = new Date(ms).toISOString();
  return /^(?!0000)\d{4}-/.test(iso) ? iso : undefined;
}

/** What a creator may send: the first step's two fields and the second step's settings, all optional but those two. */
export interface DraftInput {
  question: unknown;
  options: unknown;
  minChoices?: unknown;
  maxChoices?: unknown;
  results?: unknown;
  opensAt?: unknown;
  closesAt?: unknown;
  protection?: unknown;
}

/**
 * Checks what a creator sent: a question of 1-200 characters and 2-10
 * options of 1-80 characters each, no two the same ignoring case and what
 * shows nothing (text is trimmed first), nothing blank to the eye, no control
 * characters; and the settings, each optional: maxChoices from 1 to the
 * number of options, minChoices from 1 to maxChoices, results and protection
 * from their lists, opensAt and closesAt ISO-8601 times, closesAt after
 * opensAt and after `now`. The refusal names the field, for the API and the form.
 */
export function checkPollDraft(input: DraftInput, now: number): DraftCheck {
  const question = questionProblem(input.question);
  if (question) return { ok: false, field: "question", error: question };
  const options = checkOptions(input.options);
  if (!options.ok) return { ok: false, field: "options", error: options.error };
  const count = options.labels.length;
  const maxChoices = input.maxChoices === undefined ? 1 : wholeNumberIn(input.maxChoices, 1, count);
  if (maxChoices === undefined) {
    return {
      ok: false,
      field: "maxChoices",
      error: `maxChoices must be a whole number from 1 to ${count} (the options)`,
    };
  }
  const minChoices = input.minChoices === undefined ? 1 : wholeNumberIn(input.minChoices, 1, maxChoices);
  if (minChoices === undefined) {
    return {
      ok: false,
      field: "minChoices",
      error: `minChoices must be a whole number from 1 to maxChoices (${maxChoices})`,
    };
  }
  const results = input.results === undefined ? "always" : input.results;
  if (!RESULTS_VISIBILITIES.includes(results as ResultsVisibility)) {
    return { ok: false, field: "results", error: `results must be one of ${RESULTS_VISIBILITIES.join(", ")}` };
  }
  const protection = input.protection === undefined ? "cookie" : input.protection;
  if (!PROTECTIONS.includes(protection as Protection)) {
    return { ok: false, field: "protection", error: `protection must be one of ${PROTECTIONS.join(", ")}` };
  }
  const opensAt = input.opensAt === undefined || input.opensAt === null ? undefined : parseInstant(input.opensAt);
  if (input.opensAt !== undefined && input.opensAt !== null && opensAt === undefined) {
    return {
      ok: false,
      field: "opensAt",
      error: "opensAt must be an ISO-8601 time with its offset, like 2026-12-24T18:00:00Z",
    };
  }
  const closesAt = input.closesAt === undefined || input.closesAt === null ? undefined : parseInstant(input.closesAt);
  if (input.closesAt !== undefined && input.closesAt !== null && closesAt === undefined) {
    return {
      ok: false,
      field: "closesAt",
      error: "closesAt must be an ISO-8601 time with its offset, like 2026-12-24T20:00:00Z",
    };
  }
  if (closesAt !== undefined && Date.parse(closesAt) <= now) {
    return { ok: false, field: "closesAt", error: "closesAt must be in the future" };
  }
  if (closesAt !== undefined && opensAt !== undefined && Date.parse(closesAt) <= Date.parse(opensAt)) {
    return { ok: false, field: "closesAt", error: "closesAt must be after opensAt" };
  }
  return {
    ok: true,
    draft: {
      question: (input.question as string).trim(),
      options: options.labels,
      minChoices,
      maxChoices,
      results: results as ResultsVisibility,
      opensAt,
      closesAt,
      protection: protection as Protection,
    },
  };
}

/** What an owner may change before the first vote: the question and the options. */
export type PollEdit = { question?: string; options?: string[] };

/**
 * Checks an edit: each field as at creation, and the poll's choices must still
 * fit the options (maxChoices no more than their number).
 */
export function checkPollEdit(
  poll: Poll,
  input: { question?: unknown; options?: unknown },
): { ok: true; poll: Poll } | { ok: false; field: DraftField; error: string } {
  let { question, options } = poll;
  if (input.question !== undefined) {
    const problem = questionProblem(input.question);
    if (problem) return { ok: false, field: "question", error: problem };
    question = (input.question as string).trim();
  }
  if (input.options !== undefined) {
    const checked = checkOptions(input.options);
    if (!checked.ok) return { ok: false, field: "options", error: checked.error };
    if (checked.labels.length < poll.maxChoices) {
      return { ok: false, field: "options", error: `options must be at least maxChoices (${poll.maxChoices})` };
    }
    options = optionsOf(checked.labels);
  }
  return { ok: true, poll: { ...poll, question, options, revision: poll.revision + 1 } };
}

function optionsOf(labels: readonly string[]): PollOption[] {
  return labels.map((label, i) => ({ id: String.fromCharCode(97 + i), label }));
}

/** The poll a checked draft becomes: option ids a, b, c ... in the order given. */
export function pollFromDraft(id: string, draft: PollDraft): Poll {
  return {
    ...DEFAULT_SETTINGS,
    id,
    question: draft.question,
    options: optionsOf(draft.options),
    status: "open",
    minChoices: draft.minChoices,
    maxChoices: draft.maxChoices,
    results: draft.results,
    protection: draft.protection,
    ...(draft.opensAt === undefined ? {} : { opensAt: draft.opensAt }),
    ...(draft.closesAt === undefined ? {} : { closesAt: draft.closesAt }),
  };
}
