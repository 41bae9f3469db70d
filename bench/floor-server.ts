// The least a vote can do on Hono and Redis: parse the form, one HINCRBY and
// one XADD (sent together), a tiny HTML answer. No cookie, no CSRF, no
// logging, no metrics: the reference `npm run bench` holds POST /vote against.
import { serve } from "@hono/node-server";
import { createClient } from "@redis/client";
import { Hono } from "hono";

const prefix = process.env.REDIS_PREFIX ?? "floor:";
const redis = createClient({ url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379", RESP: 2 });
await redis.connect();

const app = new Hono();
app.post("/vote", async (c) => {
  const form = await c.req.parseBody();
  const choice = typeof form.vote === "string" ? form.vote : "a";
  await Promise.all([
    redis.hIncrBy(`${prefix}floor:counts`, choice, 1),
    redis.xAdd(`${prefix}floor:votes`, "*", { choice }),
  ]);
  return c.html(`<p>Thanks for voting ${choice === "b" ? "b" : "a"}.</p>`);
});

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 8090) });
