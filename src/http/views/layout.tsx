import { raw } from "hono/html";
import type { Child } from "hono/jsx";

/**
 * htmx settings: no injected <style> (the CSP allows only our stylesheet),
 * and 4xx answers are shown in #flash instead of being dropped.
 */
const HTMX_CONFIG = JSON.stringify({
  includeIndicatorStyles: false,
  responseHandling: [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "4..", swap: true, error: true, target: "#flash", swapOverride: "innerHTML" },
    { code: "...", swap: false, error: true },
  ],
});

export function Layout(props: { title: string; refreshTo?: string; children?: Child }) {
  return (
    <>
      {raw("<!DOCTYPE html>")}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="htmx-config" content={HTMX_CONFIG} />
          {props.refreshTo ? <meta http-equiv="refresh" content={`0; url=${props.refreshTo}`} /> : null}
          <title>{props.title}</title>
          <link rel="icon" href="data:," />
          <link rel="stylesheet" href="/static/app.css" />
          <script src="/static/htmx.min.js" defer></script>
        </head>
        <body>
          <main>{props.children}</main>
        </body>
      </html>
    </>
  );
}

export function Flash(props: { message?: string | undefined; tone?: "error" | "ok" }) {
  return (
    <p id="flash" class={props.tone === "error" ? "flash error" : "flash"} role="status" aria-live="polite">
      {props.message ?? ""}
    </p>
  );
}
