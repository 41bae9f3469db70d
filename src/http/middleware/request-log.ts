import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { RequestLogPolicy } from "../../core/config.ts";
import type { Logger, RequestObserver } from "../../core/ports.ts";

/**
 * Times every request and reports it to the observer (metrics see them all).
 * Logs one line for each 5xx and each slow request, and for a sample of the
 * rest: a results page polled every second by each of its viewers would
 * otherwise write a line per viewer per second (docs/capacity.md prices it).
 */
export function requestLog(
  logger: Logger,
  observer: RequestObserver | undefined,
  policy: RequestLogPolicy = { sampleRate: 1, slowMs: 1_000 },
): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const ms = performance.now() - started;
    const route = routePath(c) || "unmatched";
    const status = c.res.status;
    observer?.observe({ method: c.req.method, route, status, seconds: ms / 1000 });
    const failed = status >= 500;
    const slow = ms >= policy.slowMs;
    if (!failed && !slow && (policy.sampleRate <= 0 || Math.random() >= policy.sampleRate)) return;
    const fields = { method: c.req.method, path: c.req.path, status, ms: Math.round(ms * 10) / 10 };
    if (failed) logger.error("http.request", fields);
    else if (slow) logger.warn("http.request", { ...fields, slow: true });
    else logger.info("http.request", fields);
  };
}
