import type { Context } from "hono";
import { getSignedCookie, setSignedCookie } from "hono/cookie";
import { isVoterId } from "./domain/ballots.ts";

export const VOTER_COOKIE = "voter_id";
const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

/**
 * The voter id from the signed cookie, or a new one (then set on the
 * response). A cookie that is missing, unsigned, forged or not a UUID is
 * replaced, never trusted.
 */
export async function ensureVoter(c: Context, secret: string): Promise<{ id: string; isNew: boolean }> {
  const existing = c.req.header("cookie")?.includes(`${VOTER_COOKIE}=`)
    ? await getSignedCookie(c, secret, VOTER_COOKIE)
    : undefined;
  if (isVoterId(existing)) return { id: existing, isNew: false };
  const id = crypto.randomUUID();
  await setSignedCookie(c, VOTER_COOKIE, id, secret, {
    path: "/",
    httpOnly: true,
    sameSite: "Lax",
    secure: isHttps(c),
    maxAge: ONE_YEAR_SECONDS,
  });
  return { id, isNew: true };
}

/** https directly, or behind a proxy that says so (ingress, Cloudflare). */
function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto") === "https";
}
