import type { Context, MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";

/**
 * How much of a body over the limit is read (and thrown away) before the 413
 * is sent. A client that sends the whole body before reading the answer (curl
 * in some modes, Python's urllib) gets a reset instead of the 413 when the
 * server closes with the body still coming; past this bound, it does anyway.
 */
const DRAIN_LIMIT_BYTES = 8 * 1024 * 1024;

/**
 * Refuses bodies over `maxSize` bytes with 413. A declared Content-Length
 * within the limit is trusted (the HTTP parser never delivers more than it
 * declares), so the common case reads nothing here. Otherwise the body is
 * read: kept if it fits, else drained up to a bound and answered 413 with
 * `Connection: close`, so the client reads the answer instead of a reset.
 */
export function limitBody(maxSize: number): MiddlewareHandler {
  return async (c, next) => {
    const declared = c.req.header("content-length");
    if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) <= maxSize) return next();
    const body = await readUpTo(c, maxSize);
    if (body === "too large") {
      throw new HTTPException(413, {
        message: `Request body too large (limit ${maxSize} bytes).`,
        res: new Response(null, { headers: { Connection: "close" } }),
      });
    }
    if (body) c.req.raw = new Request(c.req.raw, { body, duplex: "half" } as RequestInit);
    await next();
  };
}

/** The body if it fits in `maxSize` bytes; else it is drained up to the bound and "too large". */
async function readUpTo(c: Context, maxSize: number): Promise<Uint8Array<ArrayBuffer> | undefined | "too large"> {
  const stream = c.req.raw.body;
  if (!stream) return undefined;
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      size += read.value.byteLength;
      if (size <= maxSize) chunks.push(read.value);
      else if (size > DRAIN_LIMIT_BYTES) break;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  if (size > maxSize) return "too large";
  const body = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return body;
}
