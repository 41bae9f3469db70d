import type { MiddlewareHandler } from "hono";
import { csrf } from "hono/csrf";

const guard = csrf({
  // Same host as the request, whatever the scheme: behind a TLS-terminating
  // ingress the app sees http while the browser says https.
  origin: (origin, c) => {
    try {
      return new URL(origin).host === (c.req.header("host") ?? new URL(c.req.url).host);
    } catch {
      return false;
    }
  },
});

/**
 * Refuses a browser's cross-site form post (403). A browser says where a post
 * comes from (Origin, Sec-Fetch-Site); a client that says neither (curl, ab)
 * isn't a browser and can't be the victim of a cross-site request, so it is served.
 */
export function crossSiteProtection(): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.header("origin") === undefined && c.req.header("sec-fetch-site") === undefined) return next();
    return guard(c, next);
  };
}
