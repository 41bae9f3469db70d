import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { addCookie } from "../responses.ts";

const MANAGE_COOKIE = "manage_token";
const THIRTY_DAYS_SECONDS = 30 * 24 * 60 * 60;

/** The manage token a request carries: `Authorization: Bearer <token>`, else the manage cookie. */
export function manageTokenOf(c: Context): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "")?.[1];
  return bearer ?? getCookie(c, MANAGE_COOKIE);
}

/**
 * Keeps a poll's manage token in the browser: HttpOnly, SameSite=Strict, and
 * scoped to that poll by path, once for its pages (/p/<poll>) and once for
 * its API (/api/polls/<poll>), so no other poll's requests carry it.
 */
export function setManageCookies(c: Context, pollId: string, token: string): void {
  writeManageCookies(c, pollId, token, THIRTY_DAYS_SECONDS);
}

/** Forgets a deleted poll's manage token in the browser. */
export function clearManageCookies(c: Context, pollId: string): void {
  writeManageCookies(c, pollId, "", 0);
}

function writeManageCookies(c: Context, pollId: string, token: string, maxAge: number): void {
  const secure = c.req.header("x-forwarded-proto") === "https" || c.req.url.startsWith("https:");
  for (const path of [`/p/${pollId}`, `/api/polls/${pollId}`]) {
    addCookie(c, MANAGE_COOKIE, token, { path, httpOnly: true, sameSite: "Strict", secure, maxAge });
  }
}
