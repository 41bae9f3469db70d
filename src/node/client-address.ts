import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context } from "hono";

/**
 * The client's address as the trusted proxies saw it. With no trusted proxy
 * (the default) it is the socket's peer and X-Forwarded-For is ignored: a
 * client that reaches the process directly could write anything there. With
 * N trusted proxies, each appending the address it saw, it is the N-th entry
 * from the right; what a client wrote further left can't move it.
 */
export function createClientAddress(trustedProxyHops: number): (c: Context) => string | undefined {
  return (c) => {
    if (trustedProxyHops > 0) {
      const hops = (c.req.header("x-forwarded-for") ?? "").split(",").map((entry) => entry.trim());
      const seen = hops.at(-trustedProxyHops);
      if (hops.length >= trustedProxyHops && seen) return seen;
    }
    try {
      return getConnInfo(c).remote.address;
    } catch {
      // A request handed to fetch() directly (tests) has no socket.
      return undefined;
    }
  };
}
