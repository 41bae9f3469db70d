// The least a vote can do on Hono and Redis: parse the form, one HINCRBY and
// one XADD (sent together), a tiny HTML answer. No cookie, no CSRF, no
// logging, no metrics: the reference `npm run bench` holds POST /vote against.
//
// With FLOOR_ANSWER (a JSON file: the status, headers and body of one answer
// POST /vote gave), it answers that instead of its tiny page: the same work
// with the vote path's answer, so the bench can tell the cost of the answer
// (its security headers, its cookie, its page, and the client reading them)
// from the cost of the rest of the vote path.
import { readFileSync } from "node:fs";
import { serve } from "@hono/node-server";
import { createClient } from "@redis/client";
import { Hono } from "hono";

/** One answer as recorded: what the floor sends back when FLOOR_ANSWER names it. */
export interface RecordedAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const prefix = process.env.REDIS_PREFIX ?? "floor:";
const redis = createClient({ url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379", RESP: 2 });
await redis.connect();
const recorded = process.env.FLOOR_ANSWER
  ? (JSON.parse(readFileSync(process.env.FLOOR_ANSWER, "utf8")) as RecordedAnswer)
  : undefined;
const recordedBody = recorded && new TextEncoder().encode(recorded.body);

const app = new Hono();
app.post("/vote", async (c) => {
  const form = await c.req.parseBody();
  const choice = typeof form.vote === "string" ? form.vote : "a";
  await Promise.all([
    redis.hIncrBy(`${prefix}floor:counts`, choice, 1),
    redis.xAdd(`${prefix}floor:votes`, "*", { choice }),
  ]);
  // As the app answers: one Response from a plain record of headers (src/http/responses.ts).
  if (recorded) return new Response(recordedBody, { status: recorded.status, headers: { ...recorded.headers } });
  return c.html(`<p>Thanks for voting ${choice === "b" ? "b" : "a"}.</p>`);
});

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 8090) });
// Exit on SIGTERM rather than be killed by it, so a profile asked for with BENCH_NODE_OPTIONS (--cpu-prof) is written.
process.once("SIGTERM", () => process.exit(0));
