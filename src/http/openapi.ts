import { toJsonSchema } from "@valibot/to-json-schema";
import { ErrorBody, type Schema } from "./api-schemas.ts";

/** One route of the JSON API, as it is served and as the OpenAPI document describes it. */
export interface Operation {
  method: "get" | "post" | "patch" | "delete";
  /** OpenAPI style, under /api: `/polls/{poll}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: "Voting" | "Polls" | "Managing" | "Meta";
  query?: { name: string; description: string }[];
  body?: Schema;
  /** Needs the poll's manage token (Authorization: Bearer, or the cookie its manage link sets). */
  owner?: boolean;
  /** Success answers; the error answers every route can give are added. */
  responses: Record<number, { description: string; schema?: Schema; contentType?: string }>;
  /** Error answers this route gives besides 400/404/429/503. */
  errors?: Record<number, string>;
}

/** The Hono path of an operation: `{poll}` becomes `:poll`. */
export function honoPath(operation: Pick<Operation, "path">): string {
  return operation.path.replace(/\{(\w+)\}/g, ":$1");
}

const COMMON_ERRORS: Record<number, string> = {
  400: "The request is not valid: `error` says why, `field` which field.",
  404: "There is no such poll.",
  429: "Too many requests from your address: see Retry-After.",
  503: "A store is away for a moment: see Retry-After.",
};

/**
 * Only the input side of a schema, and the checks a JSON Schema can't hold
 * (valibot's `check`) are left to the route.
 */
function jsonSchemaOf(schema: Schema) {
  const { $schema: _, ...rest } = toJsonSchema(schema, {
    target: "draft-2020-12",
    typeMode: "input",
    errorMode: "ignore",
  }) as Record<string, unknown>;
  return rest;
}

/** The OpenAPI 3.1 document of the operations, made from the same schemas the routes check with. */
export function openApiDocument(operations: readonly Operation[], info: { version: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const parameters = [
      ...[...op.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
        name,
        in: "path",
        required: true,
        schema: { type: "string" },
        description: "The poll's id (12 characters; `default` for the default poll).",
      })),
      ...(op.query ?? []).map((q) => ({
        name: q.name,
        in: "query",
        required: false,
        schema: { type: "string" },
        description: q.description,
      })),
    ];
    const responses: Record<string, unknown> = {};
    for (const [status, answer] of Object.entries(op.responses)) {
      responses[status] = {
        description: answer.description,
        ...(answer.schema
          ? { content: { [answer.contentType ?? "application/json"]: { schema: jsonSchemaOf(answer.schema) } } }
          : answer.contentType
            ? { content: { [answer.contentType]: { schema: { type: "string" } } } }
            : {}),
      };
    }
    const errors = {
      ...COMMON_ERRORS,
      ...(op.owner ? { 401: "No manage token was sent.", 403: "The manage token is not this poll's." } : {}),
      ...(op.body ? { 413: "The body is larger than 4 KiB.", 415: "Send JSON: Content-Type: application/json." } : {}),
      ...op.errors,
    };
    for (const [status, description] of Object.entries(errors)) {
      responses[status] ??= {
        description,
        content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
      };
    }
    paths[`/api${op.path}`] ??= {};
    (paths[`/api${op.path}`] as Record<string, unknown>)[op.method] = {
      operationId: op.operationId,
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      tags: [op.tag],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(op.body
        ? { requestBody: { required: true, content: { "application/json": { schema: jsonSchemaOf(op.body) } } } }
        : {}),
      ...(op.owner ? { security: [{ manageToken: [] }, { manageCookie: [] }] } : {}),
      responses,
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Live voting API",
      version: info.version,
      description:
        "Create polls, vote, read live results and manage polls. Votes are counted within about a second; a voter has one current ballot per poll, and voting again replaces it.",
    },
    tags: [
      { name: "Voting", description: "What voters and results screens call." },
      { name: "Polls", description: "Creating and reading polls." },
      { name: "Managing", description: "What a poll's owner can do, with its manage token." },
      { name: "Meta", description: "This document." },
    ],
    paths,
    components: {
      schemas: { Error: jsonSchemaOf(ErrorBody) },
      securitySchemes: {
        manageToken: {
          type: "http",
          scheme: "bearer",
          description: "The manageToken answered when the poll was created.",
        },
        manageCookie: {
          type: "apiKey",
          in: "cookie",
          name: "manage_token",
          description: "Set in the browser by the poll's manage link.",
        },
      },
    },
  };
}
