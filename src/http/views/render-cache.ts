import type { Context } from "hono";
import type { HtmlEscapedString } from "hono/utils/html";
import { respond } from "../responses.ts";

type Rendered = HtmlEscapedString | Promise<HtmlEscapedString>;

/** Returns the page for `key` as UTF-8 bytes, rendering it the first time. */
export type RenderCache = (key: string, render: () => Rendered | unknown) => Promise<Uint8Array>;

const encoder = new TextEncoder();

/**
 * Remembers the HTML of views that are pure functions of a few inputs: the
 * ballot has three states per poll, and the results fragment changes only
 * when the counts do, so a crowd of voters and viewers costs a handful of
 * renders instead of one per request. Kept as bytes, so the same page isn't
 * encoded again for every response. Oldest entries go first past `limit`.
 */
export function createRenderCache(limit = 512): RenderCache {
  const pages = new Map<string, Promise<Uint8Array>>();
  return (key, render) => {
    let page = pages.get(key);
    if (page === undefined) {
      page = Promise.resolve(render() as Rendered).then((html) => encoder.encode(String(html)));
      pages.set(key, page);
      if (pages.size > limit) pages.delete(pages.keys().next().value as string);
    }
    return page;
  };
}

/** Answers with a rendered page (the status may be htmx's own 286), on the cheap path of respond(). */
export async function sendPage(
  c: Context,
  page: Promise<Uint8Array>,
  status = 200,
  headers: Record<string, string> = {},
): Promise<Response> {
  return respond(c, (await page) as Uint8Array<ArrayBuffer>, status, {
    "Content-Type": "text/html; charset=UTF-8",
    ...headers,
  });
}
