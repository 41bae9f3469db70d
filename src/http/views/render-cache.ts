import type { HtmlEscapedString } from "hono/utils/html";

type Rendered = HtmlEscapedString | Promise<HtmlEscapedString>;

/** Returns the HTML for `key`, rendering it the first time. */
export type RenderCache = (key: string, render: () => Rendered | unknown) => Promise<string>;

/**
 * Remembers the HTML of views that are pure functions of a few inputs: the
 * ballot has three states per poll, and the results fragment changes only
 * when the counts do, so a crowd of voters and viewers costs a handful of
 * renders instead of one per request. Oldest entries go first past `limit`.
 */
export function createRenderCache(limit = 512): RenderCache {
  const pages = new Map<string, Promise<string>>();
  return (key: string, render: () => Rendered | unknown): Promise<string> => {
    let html = pages.get(key);
    if (html === undefined) {
      html = Promise.resolve(render() as Rendered).then(String);
      pages.set(key, html);
      if (pages.size > limit) pages.delete(pages.keys().next().value as string);
    }
    return html;
  };
}
