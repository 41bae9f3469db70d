import type { Context } from "hono";
import { DEFAULT_POLL_ID, type Poll } from "../domain/polls.ts";

/** The paths of a poll's pages; the default poll keeps the original app's. */
export function pollPaths(poll: Pick<Poll, "id">) {
  const id = encodeURIComponent(poll.id);
  // The presenter view, the embed and the QR code have no path of the original app: the default poll's are under /p/default.
  const shown = {
    present: `/p/${id}/present`,
    presentFragment: `/p/${id}/present/fragment`,
    embed: `/p/${id}/embed`,
    qr: `/p/${id}/qr.svg`,
  };
  if (poll.id === DEFAULT_POLL_ID) {
    return { vote: "/vote", voteAction: "/vote", results: "/result", fragment: "/result/fragment", ...shown };
  }
  return {
    vote: `/p/${id}`,
    voteAction: `/p/${id}/vote`,
    results: `/p/${id}/results`,
    fragment: `/p/${id}/results/fragment`,
    ...shown,
  };
}

export function managePath(pollId: string): string {
  return `/p/${encodeURIComponent(pollId)}/manage`;
}

/**
 * Where the app is reached from outside: PUBLIC_URL when set, else the
 * request's own origin (https when a TLS-terminating proxy says so).
 */
export function publicOrigin(c: Context, publicUrl: string | undefined): string {
  if (publicUrl) return publicUrl;
  const url = new URL(c.req.url);
  const https = c.req.header("x-forwarded-proto") === "https" || url.protocol === "https:";
  return `${https ? "https" : "http"}://${c.req.header("host") ?? url.host}`;
}
