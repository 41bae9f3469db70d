import * as v from "valibot";
import {
  OPTION_LABEL_MAX,
  OPTIONS_MAX,
  OPTIONS_MIN,
  PROTECTIONS,
  QUESTION_MAX,
  RESULTS_VISIBILITIES,
} from "../domain/polls.ts";

/**
 * The JSON API's shapes, once: the routes check request bodies with them and
 * the OpenAPI document (`/api/openapi.json`) is made from them, so the two
 * can't drift. What a shape can't say (text that shows nothing, two options
 * alike, a deadline in the past) the domain checks after, with the same
 * `{error, field}` answer.
 */

const instant = (what: string) =>
  v.pipe(
    v.string(`${what} must be an ISO-8601 time with its offset, like 2026-12-24T18:00:00Z`),
    v.metadata({ format: "date-time" }),
    v.description(`${what}: ISO-8601 with an offset (Z or ±hh:mm).`),
  );

const wholeNumber = (what: string, description: string) =>
  v.pipe(
    v.number(`${what} must be a whole number`),
    v.integer(`${what} must be a whole number`),
    v.minValue(1, `${what} must be at least 1`),
    v.maxValue(OPTIONS_MAX, `${what} must be at most ${OPTIONS_MAX}`),
    v.description(description),
  );

const question = v.pipe(
  v.string("question must be text"),
  v.maxLength(QUESTION_MAX, `question must be at most ${QUESTION_MAX} characters`),
  v.description(`1 to ${QUESTION_MAX} characters once trimmed.`),
  v.examples(["Where do we eat on Friday?"]),
);

const options = v.pipe(
  v.array(
    v.pipe(
      v.string("options each must be text"),
      v.maxLength(OPTION_LABEL_MAX, `options each must be at most ${OPTION_LABEL_MAX} characters`),
    ),
    "options must be a list of answers",
  ),
  v.minLength(OPTIONS_MIN, `options must be a list of ${OPTIONS_MIN} to ${OPTIONS_MAX} answers`),
  v.maxLength(OPTIONS_MAX, `options must be a list of ${OPTIONS_MIN} to ${OPTIONS_MAX} answers`),
  v.description(
    `${OPTIONS_MIN} to ${OPTIONS_MAX} answers of 1 to ${OPTION_LABEL_MAX} characters, no two alike; their ids are a, b, c... in this order.`,
  ),
  v.examples([["Pizza", "Sushi", "Tacos"]]),
);

const results = v.pipe(
  v.picklist(RESULTS_VISIBILITIES, `results must be one of ${RESULTS_VISIBILITIES.join(", ")}`),
  v.description(
    "Who sees the counts besides the owner: everyone (always), a voter once they voted and everyone once closed (after-vote), everyone once closed (after-close), no one until the owner reveals them (hidden).",
  ),
);

const protection = v.pipe(
  v.picklist(PROTECTIONS, `protection must be one of ${PROTECTIONS.join(", ")}`),
  v.description(
    "What keeps one person to one ballot: the voter cookie (cookie); also one ballot per client address, IPv6 by /64 (address); a solved ALTCHA proof of work with each vote (challenge).",
  ),
);

export const NewPollBody = v.object({
  question,
  options,
  minChoices: v.optional(wholeNumber("minChoices", "Fewest options a ballot holds (default 1).")),
  maxChoices: v.optional(
    wholeNumber("maxChoices", "Most options a ballot holds, up to the number of options (default 1: one choice)."),
  ),
  results: v.optional(results),
  opensAt: v.optional(v.nullable(instant("opensAt"))),
  closesAt: v.optional(v.nullable(instant("closesAt"))),
  protection: v.optional(protection),
});

export const PollEditBody = v.pipe(
  v.object({ question: v.optional(question), options: v.optional(options) }),
  v.description("Allowed only while no one has voted; a new revision makes pages showing the old poll vote again."),
);

export const VoteBody = v.object({
  poll: v.optional(
    v.pipe(v.string("poll must be a poll id"), v.description("The poll's id; the default poll when left out.")),
  ),
  vote: v.pipe(
    v.union([v.string(), v.array(v.string())], "vote must be an option id, or a list of them on a multi-select poll"),
    v.description("An option id, or a list of option ids on a poll whose maxChoices is above 1."),
    v.examples(["a", ["a", "c"]]),
  ),
  altcha: v.optional(
    v.pipe(
      v.string("altcha must be the solved challenge's payload"),
      v.description(
        "On a poll with protection challenge: the base64 payload of a solved challenge from /api/polls/{poll}/challenge.",
      ),
    ),
  ),
});

const PollOption = v.object({ id: v.string(), label: v.string() });

export const PollDescription = v.object({
  id: v.string(),
  question: v.string(),
  status: v.pipe(v.picklist(["open", "closed"]), v.description("Now: a poll past its closesAt is closed.")),
  options: v.array(PollOption),
  minChoices: v.number(),
  maxChoices: v.number(),
  results,
  revealed: v.pipe(v.boolean(), v.description("A hidden poll's counts, shown to everyone by its owner.")),
  opensAt: v.optional(instant("opensAt")),
  closesAt: v.optional(instant("closesAt")),
  protection,
  revision: v.pipe(v.number(), v.description("Grows with each edit and reset.")),
});

export const PollLinks = v.object({
  vote: v.string(),
  results: v.string(),
  present: v.pipe(v.string(), v.description("Full-screen results with the QR code, for a projector.")),
  embed: v.pipe(v.string(), v.description("Live results to put in an iframe on another site.")),
  qr: v.string(),
  manage: v.pipe(v.string(), v.description("Carries the manage token: keep it private.")),
});

export const CreatedPoll = v.object({
  ...PollDescription.entries,
  links: PollLinks,
  manageToken: v.pipe(
    v.string(),
    v.description("Shown once. Send it as Authorization: Bearer <manageToken> to manage the poll."),
  ),
});

const ResultsState = {
  current: v.pipe(v.boolean(), v.description("False while the database is away: the last counts that could be read.")),
  status: v.picklist(["open", "closed"]),
  closesAt: v.optional(instant("closesAt")),
};

export const VisibleResults = v.object({
  poll: v.string(),
  question: v.string(),
  hidden: v.optional(v.literal(false)),
  total: v.pipe(v.number(), v.description("Selections: above participants on a multi-select poll.")),
  participants: v.pipe(v.number(), v.description("Voters with a current ballot.")),
  options: v.array(
    v.object({
      id: v.string(),
      label: v.string(),
      votes: v.number(),
      percent: v.pipe(v.number(), v.description("Share of participants who chose it, whole percent.")),
    }),
  ),
  ...ResultsState,
});

export const HiddenResults = v.object({
  poll: v.string(),
  question: v.string(),
  hidden: v.pipe(v.literal(true), v.description("The counts are not shown to this caller (yet).")),
  participants: v.number(),
  options: v.array(PollOption),
  ...ResultsState,
});

export const Results = v.union([VisibleResults, HiddenResults]);

export const RecordedVote = v.object({
  poll: v.string(),
  vote: v.pipe(
    v.union([v.string(), v.array(v.string())]),
    v.description("As sent: one option id on a single-choice poll, the list on a multi-select poll."),
  ),
  choices: v.array(v.string()),
  version: v.pipe(v.number(), v.description("The ballot's version: a later vote by the same voter replaces it.")),
});

export const Challenge = v.pipe(
  v.record(v.string(), v.unknown()),
  v.description("An ALTCHA challenge (altcha-lib v2): solve it with the altcha widget or altcha-lib's solver."),
);

export const OpenApiDocument = v.pipe(
  v.looseObject({
    openapi: v.string(),
    info: v.looseObject({ title: v.string(), version: v.string() }),
    paths: v.record(v.string(), v.unknown()),
  }),
  v.description("An OpenAPI 3.1 document."),
);

export const ErrorBody = v.object({
  error: v.string(),
  field: v.optional(v.pipe(v.string(), v.description("The field that was refused, when one was."))),
});

export type Schema = v.GenericSchema;

/** The first problem valibot found, as the API answers it. */
export function firstProblem(issues: readonly v.BaseIssue<unknown>[]): { error: string; field?: string } {
  const issue = issues[0];
  const key = issue?.path?.[0]?.key;
  const field = typeof key === "string" ? { field: key } : {};
  // A required field left out: valibot's own message ("Invalid key: ...") names no field first.
  if (issue && issue.input === undefined && typeof key === "string" && issue.path?.length === 1) {
    return { error: `${key} is missing`, ...field };
  }
  return { error: issue?.message ?? "The body is not valid.", ...field };
}
