import fc from "fast-check";
import type postgres from "postgres";
import { describe, expect, it } from "vitest";
import {
  labelProblem,
  OPTION_LABEL_MAX,
  OPTIONS_MAX,
  OPTIONS_MIN,
  PROTECTIONS,
  QUESTION_MAX,
  RESULTS_VISIBILITIES,
} from "../../src/domain/polls.ts";
import { talliesAndVoteCountsByPoll } from "../helpers/invariants.ts";
import { waitFor } from "../helpers/wait.ts";
import { ORIGIN } from "./http-contract.ts";

/** Runs SQL against the target's database (postgres.js on Node, Hyperdrive in workerd). */
export type Database = <T>(work: (sql: postgres.Sql) => Promise<T>) => Promise<T>;

/** What the hostile-input properties need from a running web tier. */
export interface HostileTarget {
  fetch(request: Request): Promise<Response>;
  database: Database;
}

/** The write routes, from the app's own OpenAPI document where it lists them (the form routes it doesn't). */
export interface WriteRoutes {
  castVote: string;
  createPoll: string;
  /** With `{poll}` in it. */
  editPoll: string;
}

export async function writeRoutes(target: HostileTarget): Promise<WriteRoutes> {
  const response = await target.fetch(new Request(`${ORIGIN}/api/openapi.json`));
  expect(response.status).toBe(200);
  const doc = (await response.json()) as { paths: Record<string, Record<string, { operationId?: string }>> };
  const find = (method: string, operationId: string) => {
    const entry = Object.entries(doc.paths).find(([, ops]) => ops[method]?.operationId === operationId);
    if (!entry) throw new Error(`no ${operationId} in the OpenAPI document`);
    return entry[0];
  };
  return {
    castVote: find("post", "castVote"),
    createPoll: find("post", "createPoll"),
    editPoll: find("patch", "editPoll"),
  };
}

/** A request as a script would send it: no Origin, no cookie (each accepted vote is a new voter). */
export function post(
  path: string,
  body: string | Uint8Array<ArrayBuffer>,
  contentType: string,
  headers: Record<string, string> = {},
  method = "POST",
) {
  // Manual: the /new redirect is the answer (SELF.fetch in workerd would follow it).
  return new Request(`${ORIGIN}${path}`, {
    method,
    body,
    headers: { "Content-Type": contentType, ...headers },
    redirect: "manual",
  });
}

/** Asserts the answer is not a 5xx, and a 4xx of /api/* is JSON {error}; answers the status. */
export async function checkAnswer(response: Response, path: string): Promise<number> {
  const text = await response.text();
  const where = `${response.status} from ${path}: ${text.slice(0, 300)}`;
  expect(response.status, where).toBeLessThan(500);
  if (response.status >= 400 && path.startsWith("/api/")) {
    expect(response.headers.get("content-type"), where).toMatch(/^application\/json/);
    const body = JSON.parse(text) as { error?: unknown };
    expect(typeof body.error, where).toBe("string");
    expect((body.error as string).length, where).toBeGreaterThan(0);
  }
  return response.status;
}

// ---- arbitraries ----

const weirdText = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.string({ unit: "grapheme" }),
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "a\u0000",
    "\u200b",
    "\ud800",
    "\udfff",
    "\u202e",
    "\ufeff",
    "Ｔｅａ",
    "a".repeat(81),
    "a".repeat(201),
    "x".repeat(5000),
    "%00",
    "<script>alert(1)</script>",
    "'; DROP TABLE votes; --",
  ),
);

const optionId = fc.constantFrom("a", "b", "c", "d", "k", "A", "", " a", "a ", "a,b", "0", "__proto__");

/** A `vote` of every shape: an id, text, a list, a number, a nested thing, huge, control characters. */
const vote = fc.oneof(
  optionId,
  weirdText,
  fc.array(fc.oneof(optionId, weirdText, fc.integer()), { maxLength: 12 }),
  fc.uniqueArray(optionId, { maxLength: 5 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 4 }),
  fc.constant("a".repeat(10_000)),
);

/** A vote body: a valid one, one with one field of any shape, or any shape in every field. */
export function voteBody(pollIds: readonly string[]) {
  const any = fc.record(
    {
      poll: fc.oneof(fc.constantFrom(...pollIds), weirdText, fc.jsonValue({ maxDepth: 2 })),
      vote,
      altcha: fc.oneof(weirdText, fc.jsonValue({ maxDepth: 2 })),
    },
    { requiredKeys: [] },
  );
  const valid = fc.record({
    poll: fc.constantFrom(...pollIds),
    vote: fc.oneof(
      fc.constantFrom("a", "b"),
      fc.uniqueArray(fc.constantFrom("a", "b", "c"), { minLength: 1, maxLength: 2 }),
    ),
  });
  return fc.oneof(
    valid,
    fc
      .tuple(valid, any)
      .chain(([ok, bad]) =>
        Object.keys(bad).length === 0
          ? fc.constant(ok)
          : fc
              .constantFrom(...Object.keys(bad))
              .map((key) => ({ ...ok, [key]: (bad as Record<string, unknown>)[key] })),
      ),
    any,
  );
}

/** One key or value of a form body as written on the wire: encoded, raw, or broken percent-encoding. */
const formPart = (text: fc.Arbitrary<string>) =>
  fc.oneof(
    // A lone surrogate has no UTF-8: encoded as a browser would, U+FFFD.
    {
      weight: 4,
      arbitrary: text.map((t) => encodeURIComponent((t as string & { toWellFormed(): string }).toWellFormed())),
    },
    { weight: 1, arbitrary: text },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "%",
        "%z",
        "%zz",
        "%C3",
        "%C3%28",
        "%FF%FE",
        "%ED%A0%80",
        "%00",
        "+",
        "%2",
        "%%",
        "&&",
        "==",
      ),
    },
  );

/**
 * Form fields: mostly the fields the form has (`fields`: name and likely
 * values, a name repeated at times), some of any name and value.
 */
export function formFields(fields: [string, fc.Arbitrary<string>][], valid: fc.Arbitrary<[string, string][]>) {
  const known = fields.map(([name, value]) =>
    fc.tuple(fc.constant(name), fc.oneof({ weight: 3, arbitrary: value }, weirdText)),
  );
  const stray = fc.tuple(
    fc.oneof(fc.constantFrom("vote", "poll", "altcha", "question", "option", "vote[]"), weirdText),
    weirdText,
  );
  const field = fc.oneof({ weight: 4, arbitrary: fc.oneof(...known) }, { weight: 1, arbitrary: stray });
  return fc.oneof(
    valid,
    fc.tuple(valid, field).map(([pairs, extra]) => [...pairs, extra]),
    fc.array(field, { maxLength: 12 }),
  );
}

/** Fields as a form body: key=value pairs, and sometimes stray `&`, `=` and garbage. */
export function formBody(fields: [string, fc.Arbitrary<string>][], valid: fc.Arbitrary<[string, string][]>) {
  return formFields(fields, valid)
    .chain((pairs) =>
      fc.tuple(
        ...pairs.map(([key, value]) =>
          fc.tuple(
            formPart(fc.constant(key)),
            formPart(fc.constant(value)),
            fc.constantFrom("=", "=", "=", "=", "", "=="),
          ),
        ),
      ),
    )
    .map((pairs) => pairs.map(([key, value, eq]) => `${key}${eq}${value}`).join("&"));
}

/** A poll as a creator might send it, right or wrong in every field. */
const anyPollBody = fc.record(
  {
    question: fc.oneof(fc.constantFrom("Tea or coffee?", "Best?"), weirdText, fc.jsonValue({ maxDepth: 2 })),
    options: fc.oneof(
      fc.array(fc.oneof(fc.constantFrom("Tea", "Coffee", "Water", "tea", "Milk"), weirdText), { maxLength: 12 }),
      fc.uniqueArray(fc.constantFrom("Tea", "Coffee", "Water", "Milk", "Juice"), { minLength: 2, maxLength: 5 }),
      fc.jsonValue({ maxDepth: 3 }),
    ),
    minChoices: fc.oneof(fc.integer({ min: -2, max: 12 }), fc.double(), fc.jsonValue({ maxDepth: 1 })),
    maxChoices: fc.oneof(fc.integer({ min: -2, max: 12 }), fc.double(), fc.jsonValue({ maxDepth: 1 })),
    results: fc.oneof(fc.constantFrom(...RESULTS_VISIBILITIES), weirdText, fc.jsonValue({ maxDepth: 1 })),
    opensAt: fc.oneof(instant(), weirdText, fc.jsonValue({ maxDepth: 1 })),
    closesAt: fc.oneof(instant(), weirdText, fc.jsonValue({ maxDepth: 1 })),
    protection: fc.oneof(fc.constantFrom(...PROTECTIONS), weirdText, fc.jsonValue({ maxDepth: 1 })),
  },
  { requiredKeys: [] },
);

const validPollBody = fc.record(
  {
    question: fc.constantFrom("Tea or coffee?", "  Best? ", "Ünïcödé 🎉?"),
    options: fc.uniqueArray(fc.constantFrom("Tea", "Coffee", "Water", "Milk", "Juice", "🍵"), {
      minLength: 2,
      maxLength: 6,
    }),
    minChoices: fc.constant(1),
    maxChoices: fc.integer({ min: 1, max: 2 }),
    results: fc.constantFrom(...RESULTS_VISIBILITIES),
    protection: fc.constantFrom(...PROTECTIONS),
    // Edges too: years 0001 and 9999, and ones an offset takes out of them (0 and 10000).
    opensAt: fc.constantFrom("0001-01-01T00:00:00Z", "0000-06-01T00:00:00Z", "0000-12-31T23:30:00-01:00"),
    closesAt: fc.oneof(
      fc.integer({ min: 1, max: 1000 }).map((hours) => new Date(Date.now() + hours * 3_600_000).toISOString()),
      fc.constantFrom("9999-12-31T23:59:59Z", "9999-12-31T23:59:59-23:59", "9999-12-31T23:00:00-01:00"),
    ),
  },
  { requiredKeys: ["question", "options"] },
);

/** Any poll body: valid, valid but one field, or anything in every field. */
export const pollBody = fc.oneof(
  validPollBody,
  fc
    .tuple(validPollBody, anyPollBody)
    .chain(([valid, any]) =>
      Object.keys(any).length === 0
        ? fc.constant(valid)
        : fc
            .constantFrom(...Object.keys(any))
            .map((key) => ({ ...valid, [key]: (any as Record<string, unknown>)[key] })),
    ),
  anyPollBody,
);

/** ISO-8601 times: past, future, far, with offsets, and ones only almost valid. */
function instant() {
  return fc.oneof(
    fc
      .date({ min: new Date("0001-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59Z"), noInvalidDate: true })
      .map((date) => date.toISOString()),
    fc.integer({ min: -48, max: 48 * 365 }).map((hours) => new Date(Date.now() + hours * 3_600_000).toISOString()),
    fc.constantFrom(
      "2026-02-30T10:00:00Z",
      "2026-12-24T25:00:00Z",
      "2026-12-24T18:00:00+99:99",
      "2999-12-24T18:00:00.123456789+14:00",
      "+275760-09-13T00:00:00.000Z",
      "9999-12-31T23:59:59-23:59",
    ),
  );
}

/** An edit as an owner might send it. */
export const editBody = fc.record(
  {
    question: fc.oneof(fc.constantFrom("Edited?"), weirdText, fc.jsonValue({ maxDepth: 2 })),
    options: fc.oneof(
      fc.array(fc.oneof(fc.constantFrom("One", "Two", "Three", "one"), weirdText), { maxLength: 12 }),
      fc.jsonValue({ maxDepth: 3 }),
    ),
  },
  { requiredKeys: [] },
);

/** A JSON text: any JSON value, or sometimes not JSON at all. */
export const jsonText = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: fc.string({ unit: "binary" }) },
  { weight: 1, arbitrary: fc.constantFrom("{", '{"poll":', "[", "nul", "\ufeff{}", "{}}", '{"__proto__":{"x":1}}') },
);

// ---- what is stored ----

interface StoredPoll {
  id: string;
  question: string;
  options: { id: string; label: string }[];
  min_choices: number;
  max_choices: number;
  results: string;
  protection: string;
  opens_at: Date | null;
  closes_at: Date | null;
  revision: number;
}

/** The stored polls, keyed by id; only `id`'s when given (workerd's database holds every file's polls). */
export async function storedPolls(database: Database, id?: string): Promise<Map<string, StoredPoll>> {
  const rows = await database(
    (sql) => sql<StoredPoll[]>`
      SELECT id, question, options, min_choices, max_choices, results, protection, opens_at, closes_at, revision
      FROM polls WHERE ${id === undefined ? sql`true` : sql`id = ${id}`}`,
  );
  return new Map(rows.map((row) => [row.id, row]));
}

/** Every stored poll is one checkPollDraft would take: the question, 2-10 distinct options, sane settings. */
export function expectValidPoll(poll: StoredPoll): void {
  const where = `poll ${poll.id}: ${JSON.stringify(poll)}`;
  expect(labelProblem(poll.question, QUESTION_MAX), where).toBeUndefined();
  expect(poll.question, where).toBe(poll.question.trim());
  expect(Array.isArray(poll.options), where).toBe(true);
  expect(poll.options.length, where).toBeGreaterThanOrEqual(OPTIONS_MIN);
  expect(poll.options.length, where).toBeLessThanOrEqual(OPTIONS_MAX);
  expect(
    poll.options.map((option) => option.id),
    where,
  ).toEqual(poll.options.map((_, i) => String.fromCharCode(97 + i)));
  for (const option of poll.options) expect(labelProblem(option.label, OPTION_LABEL_MAX), where).toBeUndefined();
  expect(new Set(poll.options.map((option) => option.label.toLowerCase())).size, where).toBe(poll.options.length);
  expect(poll.min_choices, where).toBeGreaterThanOrEqual(1);
  expect(poll.min_choices, where).toBeLessThanOrEqual(poll.max_choices);
  expect(poll.max_choices, where).toBeLessThanOrEqual(poll.options.length);
  expect(RESULTS_VISIBILITIES as readonly string[], where).toContain(poll.results);
  expect(PROTECTIONS as readonly string[], where).toContain(poll.protection);
  // Dates on Node; in workerd, over Hyperdrive, maybe text.
  if (poll.opens_at && poll.closes_at) {
    expect(new Date(poll.closes_at).getTime(), where).toBeGreaterThan(new Date(poll.opens_at).getTime());
  }
}

/** Waits until PostgreSQL holds `expected` votes rows (the queue drained), then checks what they hold. */
export async function expectStoredVotes(database: Database, expected: number): Promise<void> {
  let seen = 0;
  await waitFor(
    async () => {
      const [row] = await database((sql) => sql<{ n: string }[]>`SELECT count(*) AS n FROM votes`);
      seen = Number(row?.n);
      return seen >= expected;
    },
    () => `${expected} votes rows (${seen} so far)`,
    30_000,
    100,
  );
  // Nothing more comes: a refused request stored nothing.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const [row] = await database((sql) => sql<{ n: string }[]>`SELECT count(*) AS n FROM votes`);
  expect(Number(row?.n), "votes rows: one per accepted vote, none for a refused one").toBe(expected);

  const { tallies, counted } = await database((sql) => talliesAndVoteCountsByPoll(sql));
  expect(tallies).toEqual(counted);

  const polls = await storedPolls(database);
  const ballots = await database(
    (
      sql, // As JSON: postgres.js over Hyperdrive in workerd hands text[] back unparsed.
    ) => sql<{ poll_id: string; choices: string[] }[]>`SELECT poll_id, array_to_json(choices) AS choices FROM votes`,
  );
  for (const ballot of ballots) {
    const poll = polls.get(ballot.poll_id);
    const where = `ballot ${JSON.stringify(ballot)}`;
    expect(poll, where).toBeDefined();
    const ids = poll?.options.map((option) => option.id) ?? [];
    for (const choice of ballot.choices) expect(ids, where).toContain(choice);
    expect(new Set(ballot.choices).size, where).toBe(ballot.choices.length);
    expect(ballot.choices.length, where).toBeGreaterThanOrEqual(poll?.min_choices ?? 1);
    expect(ballot.choices.length, where).toBeLessThanOrEqual(poll?.max_choices ?? 1);
  }
}

// ---- the properties ----

interface Options {
  numRuns: number;
  /** Headers for every request (workerd: a CF-Connecting-IP). */
  headers?: () => Record<string, string>;
}

async function createPoll(target: HostileTarget, routes: WriteRoutes, body: unknown) {
  const response = await target.fetch(post(routes.createPoll, JSON.stringify(body), "application/json"));
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; manageToken: string };
}

/**
 * Hostile input to every write route: never a 5xx, a 4xx of the API is JSON
 * {error}, and nothing invalid is stored; a refused request changes nothing.
 */
export function describeHostileInput(
  name: string,
  openTarget: () => Promise<HostileTarget & { close(): Promise<void> }>,
  options: Options,
): void {
  const headers = options.headers ?? (() => ({}));
  const params = { numRuns: options.numRuns };

  async function withTarget(
    body: (
      target: HostileTarget,
      routes: WriteRoutes,
      polls: { multi: string; single: string; address: string; challenge: string },
    ) => Promise<void>,
  ) {
    const target = await openTarget();
    try {
      const routes = await writeRoutes(target);
      const multi = await createPoll(target, routes, {
        question: "Which drinks?",
        options: ["Tea", "Coffee", "Water"],
        minChoices: 1,
        maxChoices: 2,
      });
      const single = await createPoll(target, routes, { question: "Tea or coffee?", options: ["Tea", "Coffee"] });
      // The other protections: one voter per address, a solved challenge per vote.
      const address = await createPoll(target, routes, {
        question: "Left or right?",
        options: ["Left", "Right"],
        protection: "address",
      });
      const challenge = await createPoll(target, routes, {
        question: "Up or down?",
        options: ["Up", "Down", "Sideways"],
        minChoices: 2,
        maxChoices: 3,
        protection: "challenge",
      });
      await body(target, routes, { multi: multi.id, single: single.id, address: address.id, challenge: challenge.id });
    } finally {
      await target.close();
    }
  }

  describe(`hostile input (${name})`, () => {
    it("takes any JSON body at the votes endpoint with a 2xx or a clear 4xx, and stores only valid ballots", () =>
      withTarget(async (target, routes, polls) => {
        let accepted = 0;
        const pollIds = ["default", polls.multi, polls.single, polls.address, polls.challenge, "AAAAAAAAAAAA"];
        const send = async (text: string | Uint8Array<ArrayBuffer>, type = "application/json") => {
          const status = await checkAnswer(
            await target.fetch(post(routes.castVote, text, type, headers())),
            routes.castVote,
          );
          if (status === 202) accepted++;
          else expect(status).toBeGreaterThanOrEqual(400);
        };
        await fc.assert(
          fc.asyncProperty(jsonText, (text) => send(text)),
          params,
        );
        // Any bytes (broken UTF-8 among them), under any content type.
        await fc.assert(
          fc.asyncProperty(
            fc.oneof(
              fc.uint8Array({ maxLength: 5000 }),
              voteBody(pollIds).map((body) => JSON.stringify(body)),
            ),
            fc.constantFrom(
              "application/json",
              "application/json; charset=utf-16",
              "APPLICATION/JSON",
              "application/json-seq",
              "text/plain",
              "application/x-www-form-urlencoded",
              "",
            ),
            (body, type) => send(typeof body === "string" ? body : new Uint8Array(body), type),
          ),
          params,
        );
        await fc.assert(
          fc.asyncProperty(voteBody(pollIds), (body) => send(JSON.stringify(body))),
          params,
        );
        // The property must reach the stores too, not only refuse.
        expect(accepted).toBeGreaterThan(0);
        await expectStoredVotes(target.database, accepted);
        for (const poll of (await storedPolls(target.database)).values()) expectValidPoll(poll);
      }));

    it("takes any form body at /vote and /p/{poll}/vote with a 2xx or a clear 4xx, and stores only valid ballots", () =>
      withTarget(async (target, _routes, polls) => {
        let accepted = 0;
        const path = fc.constantFrom(
          "/vote",
          `/p/${polls.multi}/vote`,
          `/p/${polls.single}/vote`,
          `/p/${polls.address}/vote`,
          `/p/${polls.challenge}/vote`,
          "/p/default/vote",
          "/p/AAAAAAAAAAAA/vote",
          "/p/%00/vote",
          "/p/..%2F/vote",
        );
        const contentType = fc.constantFrom(
          "application/x-www-form-urlencoded",
          "application/x-www-form-urlencoded; charset=utf-8",
          "multipart/form-data",
          "multipart/form-data; boundary=x",
          "text/plain",
        );
        const fields: [string, fc.Arbitrary<string>][] = [
          ["vote", fc.constantFrom("a", "b", "c", "d")],
          ["poll", fc.constantFrom("default", polls.multi, polls.single)],
        ];
        const valid = fc
          .tuple(
            fc.option(fc.constantFrom("default", polls.multi, polls.single)),
            fc.uniqueArray(fc.constantFrom("a", "b", "c"), { minLength: 1, maxLength: 2 }),
          )
          .map(([poll, votes]): [string, string][] => [
            ...(poll === null ? [] : [["poll", poll] as [string, string]]),
            ...votes.map((v): [string, string] => ["vote", v]),
          ]);
        const send = async (to: string, request: Request) => {
          const status = await checkAnswer(await target.fetch(request), to);
          if (status === 200) accepted++;
          else expect(status).toBeGreaterThanOrEqual(400);
        };
        await fc.assert(
          fc.asyncProperty(path, contentType, formBody(fields, valid), (to, type, body) =>
            send(to, post(to, body, type, headers())),
          ),
          params,
        );
        // Real multipart bodies, as a browser sends a form with enctype="multipart/form-data".
        await fc.assert(
          fc.asyncProperty(path, formFields(fields, valid), (to, pairs) => {
            const form = new FormData();
            for (const [key, value] of pairs) form.append(key, value);
            return send(
              to,
              new Request(`${ORIGIN}${to}`, { method: "POST", body: form, headers: headers(), redirect: "manual" }),
            );
          }),
          params,
        );
        expect(accepted).toBeGreaterThan(0);
        await expectStoredVotes(target.database, accepted);
      }));

    it("creates a poll only from a valid draft, from JSON or the form, and answers anything else with a 4xx", () =>
      withTarget(async (target, routes) => {
        const before = (await storedPolls(target.database)).size;
        const created: string[] = [];
        await fc.assert(
          fc.asyncProperty(
            fc.oneof(
              pollBody.map((body) => JSON.stringify(body)),
              jsonText,
            ),
            async (text) => {
              const response = await target.fetch(post(routes.createPoll, text, "application/json", headers()));
              const answer = response.clone();
              const status = await checkAnswer(response, routes.createPoll);
              if (status === 201) created.push(((await answer.json()) as { id: string }).id);
              else expect(status).toBeGreaterThanOrEqual(400);
            },
          ),
          params,
        );
        await fc.assert(
          fc.asyncProperty(
            formBody(
              [
                ["question", fc.constantFrom("Tea or coffee?", "Best?")],
                ["option", fc.constantFrom("Tea", "Coffee", "Water", "", " ")],
              ],
              fc
                .uniqueArray(fc.constantFrom("Tea", "Coffee", "Water", "Milk", ""), { minLength: 2, maxLength: 5 })
                .map((options): [string, string][] => [
                  ["question", "Tea or coffee?"],
                  ...options.map((option): [string, string] => ["option", option]),
                ]),
            ),
            async (body) => {
              const response = await target.fetch(post("/new", body, "application/x-www-form-urlencoded", headers()));
              const status = await checkAnswer(response, "/new");
              if (status === 303) {
                const id = /\/p\/([^/]+)\/manage/.exec(response.headers.get("location") ?? "")?.[1];
                expect(id).toBeDefined();
                created.push(id as string);
              } else expect(status).toBeGreaterThanOrEqual(400);
            },
          ),
          params,
        );
        expect(created.length).toBeGreaterThan(0);
        const polls = await storedPolls(target.database);
        for (const id of created) expect(polls.has(id), id).toBe(true);
        expect(polls.size).toBe(before + created.length);
        for (const poll of polls.values()) expectValidPoll(poll);
      }));

    it("edits a poll only with a valid edit, and a refused edit changes nothing", () =>
      withTarget(async (target, routes) => {
        const poll = await createPoll(target, routes, {
          question: "Pick two",
          options: ["One", "Two", "Three"],
          maxChoices: 2,
        });
        const path = routes.editPoll.replace("{poll}", poll.id);
        let edits = 0;
        let last = (await storedPolls(target.database, poll.id)).get(poll.id);
        await fc.assert(
          fc.asyncProperty(
            fc.oneof(
              editBody.map((body) => JSON.stringify(body)),
              jsonText,
            ),
            fc.constantFrom("application/json", "application/json; charset=utf-8", "text/plain"),
            async (text, type) => {
              const response = await target.fetch(
                post(path, text, type, { ...headers(), Authorization: `Bearer ${poll.manageToken}` }, "PATCH"),
              );
              const status = await checkAnswer(response, path);
              const now = (await storedPolls(target.database, poll.id)).get(poll.id);
              if (status === 200) {
                edits++;
                expect(now?.revision).toBe(edits);
              } else {
                expect(status).toBeGreaterThanOrEqual(400);
                expect(now, "a refused edit changes nothing").toEqual(last);
              }
              last = now;
            },
          ),
          params,
        );
        expect(edits).toBeGreaterThan(0);
        for (const stored of (await storedPolls(target.database)).values()) expectValidPoll(stored);
      }));
  });
}
