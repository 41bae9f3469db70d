import type { Hono } from "hono";
import type * as v from "valibot";
import type {
  Challenge,
  CreatedPoll,
  ErrorBody,
  NewPollBody,
  PollDescription,
  PollEditBody,
  RecordedVote,
  Results,
  VoteBody,
} from "./api-schemas.ts";

/**
 * The JSON API as Hono's RPC client reads it: `hc<ApiApp>(origin)` gives
 * typed calls, for example `client.api.polls.$post({ json: {...} })`. The
 * routes are registered from an operation list (routes/api.tsx, the OpenAPI
 * document's source), which erases their types, so this is their type-level
 * twin, made from the same valibot schemas; test/integration/api-client.test.ts
 * checks that it names exactly the documented operations, and calls each.
 */
type Json<S extends v.GenericSchema> = v.InferOutput<S>;
type Sent<S extends v.GenericSchema> = v.InferInput<S>;
type Poll = { param: { poll: string } };
/** An answer: the documented success, or the API's error body with a 4xx. */
type Answer<Input, Output, Status extends 200 | 201 | 202> =
  | { input: Input; output: Output; outputFormat: "json"; status: Status }
  | {
      input: Input;
      output: Json<typeof ErrorBody>;
      outputFormat: "json";
      status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 503;
    };
type Owner<Output, Status extends 200 | 201 | 202 = 200> = Answer<
  Poll & { header: { Authorization: string } },
  Output,
  Status
>;
type Text<Input> = { input: Input; output: string; outputFormat: "text"; status: 200 };

export type ApiSchema = {
  "/api/results": { $get: Answer<{ query: { poll?: string | undefined } }, Json<typeof Results>, 200> };
  "/api/votes": { $post: Answer<{ json: Sent<typeof VoteBody> }, Json<typeof RecordedVote>, 202> };
  "/api/polls": { $post: Answer<{ json: Sent<typeof NewPollBody> }, Json<typeof CreatedPoll>, 201> };
  "/api/polls/:poll": {
    $get: Answer<Poll, Json<typeof PollDescription>, 200>;
    $patch: Answer<
      Poll & { header: { Authorization: string }; json: Sent<typeof PollEditBody> },
      Json<typeof PollDescription>,
      200
    >;
    $delete: { input: Poll & { header: { Authorization: string } }; output: null; outputFormat: "text"; status: 204 };
  };
  "/api/polls/:poll/challenge": { $get: Answer<Poll, Json<typeof Challenge>, 200> };
  "/api/polls/:poll/close": { $post: Owner<Json<typeof PollDescription>> };
  "/api/polls/:poll/open": { $post: Owner<Json<typeof PollDescription>> };
  "/api/polls/:poll/reveal": { $post: Owner<Json<typeof PollDescription>> };
  "/api/polls/:poll/reset": { $post: Owner<Json<typeof PollDescription>> };
  "/api/polls/:poll/results.csv": { $get: Text<Poll> };
  "/api/polls/:poll/ballots.csv": { $get: Text<Poll & { header: { Authorization: string } }> };
  "/api/openapi.json": { $get: { input: object; output: Record<string, unknown>; outputFormat: "json"; status: 200 } };
};

/** What `hc` takes: `hc<ApiApp>("https://vote.example.org")`. */
export type ApiApp = Hono<Record<string, never>, ApiSchema, "/">;

/** Every operation ApiSchema types, as `METHOD /path`, for the test that holds it to the document. */
export const TYPED_OPERATIONS = [
  "GET /api/results",
  "POST /api/votes",
  "POST /api/polls",
  "GET /api/polls/:poll",
  "PATCH /api/polls/:poll",
  "DELETE /api/polls/:poll",
  "GET /api/polls/:poll/challenge",
  "POST /api/polls/:poll/close",
  "POST /api/polls/:poll/open",
  "POST /api/polls/:poll/reveal",
  "POST /api/polls/:poll/reset",
  "GET /api/polls/:poll/results.csv",
  "GET /api/polls/:poll/ballots.csv",
  "GET /api/openapi.json",
] as const satisfies readonly OperationName[];

type OperationName = {
  [P in keyof ApiSchema]: `${Uppercase<Extract<keyof ApiSchema[P], string> extends `$${infer M}` ? M : never>} ${P}`;
}[keyof ApiSchema];
/** Compiles only while TYPED_OPERATIONS lists every operation of ApiSchema. */
type Unlisted = Exclude<OperationName, (typeof TYPED_OPERATIONS)[number]>;
export const EVERY_OPERATION_LISTED: [Unlisted] extends [never] ? true : Unlisted = true;
