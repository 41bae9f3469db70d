import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context } from "hono";

/** The address the last trusted hop saw: the rightmost X-Forwarded-For entry, else the socket's peer. */
export function clientAddress(c: Context): string | undefined {
  const forwarded = c.req.header("x-forwarded-for");
  if (forwarded) return forwarded.split(",").at(-1)?.trim();
  try {
    return getConnInfo(c).remote.address;
  } catch {
    // A request handed to app.fetch directly (tests) has no socket.
    return undefined;
  }
}
