import type { Context, MiddlewareHandler } from "hono";
import { generateCookie } from "hono/cookie";
import type { CookieOptions } from "hono/utils/cookie";

/** The policy the pages need: our own scripts and stylesheet only, no framing (but where allowed), forms post to us. */
function contentSecurityPolicy(frameAncestors: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    `frame-ancestors ${frameAncestors}`,
    "base-uri 'none'",
    "object-src 'none'",
  ].join("; ");
}
const CONTENT_SECURITY_POLICY = contentSecurityPolicy("'none'");

/** The same headers hono's secureHeaders() sends by default, plus our CSP. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "Content-Security-Policy": CONTENT_SECURITY_POLICY,
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Origin-Agent-Cluster": "?1",
  "Referrer-Policy": "no-referrer",
  "Strict-Transport-Security": "max-age=15552000; includeSubDomains",
  "X-Content-Type-Options": "nosniff",
  "X-DNS-Prefetch-Control": "off",
  "X-Download-Options": "noopen",
  "X-Frame-Options": "DENY",
  "X-Permitted-Cross-Domain-Policies": "none",
  "X-XSS-Protection": "0",
});
const SECURITY_ENTRIES = Object.entries(SECURITY_HEADERS);

/**
 * The headers of the one kind of page other sites may put in an iframe (the
 * embed view): any ancestor, no X-Frame-Options (which can't say "anyone"),
 * and a resource policy that lets a cross-origin-isolated site embed it too.
 */
export const FRAMABLE_HEADERS: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries([
    ...SECURITY_ENTRIES.filter(([name]) => name !== "X-Frame-Options"),
    ["Content-Security-Policy", contentSecurityPolicy("*")],
    ["Cross-Origin-Resource-Policy", "cross-origin"],
  ]),
);
const FRAMABLE_ENTRIES = Object.entries(FRAMABLE_HEADERS);

/** Requests whose response other sites may frame: only the routes that call allowFraming(). */
const framable = new WeakSet<Context>();

/** Lets other sites frame this request's response, whichever way it is made (a page, an error). */
export function allowFraming(c: Context): void {
  framable.add(c);
}

/** Responses made by respond(): they carry the security headers and the request's cookies already. */
const complete = new WeakSet<Response>();
/** Set-Cookie values a request's handlers asked for, added to whatever response it ends with. */
const cookiesOf = new WeakMap<Context, string[]>();

/** Sets a cookie on the response this request ends with, whichever way that response is made. */
export function addCookie(c: Context, name: string, value: string, options: CookieOptions): void {
  const cookie = generateCookie(name, value, options);
  const cookies = cookiesOf.get(c);
  if (cookies) cookies.push(cookie);
  else cookiesOf.set(c, [cookie]);
}

/**
 * A response with the security headers, the request's cookies and `headers`,
 * built in one step from a plain record. That is the cheap path on both
 * runtimes: @hono/node-server writes such a response straight to the socket,
 * where a response whose headers were set one by one (c.header(), or
 * c.body() with more than one header) goes through a Headers object and is
 * converted back. The hot pages (the ballot, the vote's answer, the results
 * fragment) are answered this way; handlers must not call c.header() before
 * it, as a Response returned from a handler leaves hono's prepared headers out.
 */
export function respond(
  c: Context,
  body: Uint8Array<ArrayBuffer> | string | null,
  status: number,
  headers: Record<string, string>,
): Response {
  const record: Record<string, string> = { ...(framable.has(c) ? FRAMABLE_HEADERS : SECURITY_HEADERS), ...headers };
  const cookies = cookiesOf.get(c);
  let init: HeadersInit = record;
  if (cookies?.length === 1) record["Set-Cookie"] = cookies[0] as string;
  else if (cookies)
    init = [...Object.entries(record), ...cookies.map((cookie): [string, string] => ["Set-Cookie", cookie])];
  const response = new Response(body, { status, headers: init });
  complete.add(response);
  return response;
}

/**
 * Gives every other response (hono's c.json/c.html, redirects, errors, static
 * files) the security headers a handler didn't set itself, and the cookies
 * the request asked for, once the handler is done.
 */
export function completeResponses(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (complete.has(c.res)) return;
    const headers = c.res.headers;
    for (const [name, value] of framable.has(c) ? FRAMABLE_ENTRIES : SECURITY_ENTRIES) {
      if (!headers.has(name)) headers.set(name, value);
    }
    const cookies = cookiesOf.get(c);
    if (!cookies) return;
    // A response hono rebuilt (it copies headers) may carry them already.
    const present = headers.getSetCookie();
    for (const cookie of cookies) if (!present.includes(cookie)) headers.append("Set-Cookie", cookie);
  };
}
