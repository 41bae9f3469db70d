import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import type { CookieSigner } from "../../core/ports.ts";
import { isVoterId } from "../../domain/ballots.ts";
import { addCookie } from "../responses.ts";

export const VOTER_COOKIE = "voter_id";
const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;
/** The voter id from the signed cookie, if it carries a genuine one; nothing is set. */
export async function existingVoter(c: Context, signer: CookieSigner): Promise<string | undefined> {
  const cookie = getCookie(c, VOTER_COOKIE);
  const existing = cookie ? await signer.verify(cookie) : undefined;
  return isVoterId(existing) ? existing : undefined;
}

/**
 * The voter id from the signed cookie, or a new one (then set on the
 * response). A cookie that is missing, unsigned, forged or not a UUID is
 * replaced, never trusted.
 */
export async function ensureVoter(c: Context, signer: CookieSigner): Promise<{ id: string; isNew: boolean }> {
  const existing = await existingVoter(c, signer);
  if (existing) return { id: existing, isNew: false };
  const id = crypto.randomUUID();
  addCookie(c, VOTER_COOKIE, await signer.sign(id), {
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
  return c.req.header("x-forwarded-proto") === "https" || c.req.url.startsWith("https:");
}
