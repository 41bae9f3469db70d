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

/**
 * The page around every view. `scripts` and `styles` are the page's own
 * extras (the ALTCHA widget on a poll that asks for a challenge); app.js
 * (countdowns, local times) is on every page.
 */
export function Layout(props: {
  title: string;
  refreshTo?: string;
  scripts?: readonly string[];
  styles?: readonly string[];
  bodyClass?: string;
  children?: Child;
}) {
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
          {(props.styles ?? []).map((href) => (
            <link rel="stylesheet" href={href} />
          ))}
          <script src="/static/htmx.min.js" defer></script>
          <script src="/static/app.js" defer></script>
          {(props.scripts ?? []).map((src) => (
            <script src={src} type="module"></script>
          ))}
        </head>
        <body class={props.bodyClass}>
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
