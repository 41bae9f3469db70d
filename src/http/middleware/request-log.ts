import type { MiddlewareHandler } from "hono";
import type { Logger, RequestObserver } from "../../core/ports.ts";

/** Times every request, reports it to the observer (metrics) and logs one line for it. */
export function requestLog(logger: Logger, observer?: RequestObserver): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    const route = c.req.routePath ?? "unmatched";
    observer?.observe({ method: c.req.method, route, status: c.res.status, seconds });
    logger.info("http.request", {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round(seconds * 10_000) / 10,
    });
  };
}
