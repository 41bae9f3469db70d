import type { Context } from "hono";

/**
 * The client's address as Cloudflare saw it: CF-Connecting-IP, which
 * Cloudflare sets on every request it forwards to a Worker (a client can't
 * forge it, since nothing reaches a Worker except through Cloudflare).
 */
export function createClientAddress(): (c: Context) => string | undefined {
  return (c) => c.req.header("cf-connecting-ip");
}
