import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";

/**
 * Refuses bodies over `maxSize` bytes with 413. A declared Content-Length is
 * checked from the header alone (the HTTP parser never delivers more than it
 * declares); only a body of unknown length goes through hono's streaming
 * bodyLimit, which on Node has to build a full Request object first.
 */
export function limitBody(maxSize: number): MiddlewareHandler {
  const tooLarge = () => {
    throw new HTTPException(413, { message: `Request body too large (limit ${maxSize} bytes).` });
  };
  const streaming = bodyLimit({ maxSize, onError: tooLarge });
  return async (c, next) => {
    const declared = c.req.header("content-length");
    if (declared === undefined) return streaming(c, next);
    if (!/^\d+$/.test(declared) || Number(declared) > maxSize) tooLarge();
    await next();
  };
}
