import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import type { CookieSigner } from "../../core/ports.ts";
import type { Poll } from "../../domain/polls.ts";
import { addCookie } from "../responses.ts";

const THIRTY_DAYS_SECONDS = 30 * 24 * 60 * 60;

const nameOf = (poll: Poll) => `voted_${poll.id}`;
const markOf = (poll: Poll, voter: string) => `${poll.id}:${poll.revision}:${voter}`;

/**
 * Marks the voter as having voted in a poll whose counts a voter sees only
 * after voting ("after-vote"): a cookie signed for this poll, its revision
 * and this voter, so the results routes can tell without asking the vote
 * store on every refresh. A reset changes the revision, and the mark with it.
 */
export async function markVoted(c: Context, signer: CookieSigner, poll: Poll, voter: string): Promise<void> {
  addCookie(c, nameOf(poll), await signer.sign(markOf(poll, voter)), {
    path: "/",
    httpOnly: true,
    sameSite: "Lax",
    secure: c.req.header("x-forwarded-proto") === "https" || c.req.url.startsWith("https:"),
    maxAge: THIRTY_DAYS_SECONDS,
  });
}

/** Whether the request carries this voter's mark for this poll and revision. */
export async function hasVoted(
  c: Context,
  signer: CookieSigner,
  poll: Poll,
  voter: string | undefined,
): Promise<boolean> {
  if (!voter) return false;
  const cookie = getCookie(c, nameOf(poll));
  return cookie !== undefined && (await signer.verify(cookie)) === markOf(poll, voter);
}
