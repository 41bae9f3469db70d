import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "./app.ts";
import { hasOption, type Poll } from "./domain/polls.ts";
import { ensureVoter } from "./voter-cookie.ts";

const MAX_FIELD_LENGTH = 64;

/** Finds the poll a request names (or the default one); an unknown poll is a 404. */
export function findPoll(c: Context<AppEnv>, pollId: unknown): Poll {
  const { polls } = c.get("deps").config;
  if (pollId === undefined || pollId === null || pollId === "") return polls.defaultPoll;
  const poll = typeof pollId === "string" ? polls.find(pollId) : undefined;
  if (!poll) throw new HTTPException(404, { message: "There is no such poll." });
  return poll;
}

/**
 * Validates a vote and records it: the choice and version in Redis (one
 * atomic step), then the ballot on the queue. Client mistakes are 4xx
 * HTTPExceptions thrown before anything is written.
 */
export async function castVote(c: Context<AppEnv>, pollId: unknown, choice: unknown) {
  const deps = c.get("deps");
  const poll = findPoll(c, pollId);
  if (choice === undefined || choice === null || choice === "") {
    throw new HTTPException(400, { message: "Choose an option: the field 'vote' is missing." });
  }
  if (typeof choice !== "string" || choice.length > MAX_FIELD_LENGTH || !hasOption(poll, choice)) {
    const valid = poll.options.map((option) => option.id).join(", ");
    throw new HTTPException(400, { message: `Unknown option; this poll accepts ${valid}.` });
  }
  if (deps.rateLimiter) {
    const client = deps.clientIp?.(c) ?? "unknown";
    const verdict = await deps.rateLimiter.take(client);
    if (!verdict.allowed) {
      throw new HTTPException(429, {
        message: "Too many votes from your address; try again in a minute.",
        res: new Response(null, { headers: { "Retry-After": String(verdict.retryAfter) } }),
      });
    }
  }
  const voter = await ensureVoter(c, deps.config.cookieSecret);
  const castAt = (deps.clock?.now() ?? new Date()).toISOString();
  const ballot = await deps.ballotBox.cast({ poll: poll.id, voter: voter.id, choice, castAt });
  return { poll, choice, version: ballot.version };
}
