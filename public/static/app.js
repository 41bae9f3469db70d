// The pages' own behaviour, loaded on every page (no build step; the CSP allows
// only scripts from this origin, so nothing here is inline or evaluated):
// - <time data-local datetime="..."> shows the time in the reader's zone;
// - <time data-countdown="URL" datetime="..."> counts down to it ("in 4:59") and,
//   when the time comes, loads URL (the page, now with the poll opened or closed);
// - the new-poll form sends each datetime-local field's UTC offset beside it;
// - [data-copy="#id"] buttons copy a field's text; the presenter view has keys.
(() => {
  const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

  /** "4:59", "1:02:03", or "3 days" for far away. */
  function describeRemaining(ms) {
    const seconds = Math.ceil(ms / 1000);
    const days = Math.floor(seconds / 86_400);
    if (days >= 2) return `${days} days`;
    const hours = Math.floor(seconds / 3600);
    const minutes = Math.floor((seconds % 3600) / 60);
    const rest = String(seconds % 60).padStart(2, "0");
    return hours > 0 ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
  }

  const countdowns = new Set();
  const started = new WeakSet();

  function startCountdown(element) {
    const at = Date.parse(element.getAttribute("datetime") ?? "");
    if (Number.isNaN(at) || started.has(element)) return;
    started.add(element);
    element.closest(".countdown[hidden]")?.removeAttribute("hidden");
    // Only a deadline that passes while the page is open reloads it: a clock behind the server's
    // would otherwise reload a page that still says "open" over and over.
    countdowns.add({ element, at, armed: at > Date.now() });
  }

  function tick() {
    const now = Date.now();
    for (const countdown of countdowns) {
      const { element, at } = countdown;
      if (!element.isConnected) {
        countdowns.delete(countdown);
        continue;
      }
      const remaining = at - now;
      if (remaining > 0) {
        element.textContent = `in ${describeRemaining(remaining)}`;
        continue;
      }
      element.textContent = "now";
      countdowns.delete(countdown);
      const next = element.getAttribute("data-countdown");
      // A second's grace: the server's clock decides, and it may be a moment behind ours.
      if (countdown.armed && next) setTimeout(() => window.location.assign(next), 1000);
    }
  }

  /** datetime-local values are the writer's wall clock: send the offset from UTC each one had then. */
  function fillOffsets(form) {
    for (const hidden of form.querySelectorAll("input[data-offset-for]")) {
      const field = form.elements.namedItem(hidden.getAttribute("data-offset-for"));
      const value = field && "value" in field ? field.value : "";
      const local = value ? new Date(value) : new Date();
      hidden.value = Number.isNaN(local.getTime()) ? "" : String(-local.getTimezoneOffset());
    }
  }

  function enhance(root) {
    for (const time of root.querySelectorAll("time[data-local]")) {
      const at = new Date(time.getAttribute("datetime") ?? "");
      if (Number.isNaN(at.getTime())) continue;
      time.textContent = dateFormat.format(at);
      time.title = at.toISOString();
    }
    for (const time of root.querySelectorAll("time[data-countdown]")) startCountdown(time);
    for (const form of root.querySelectorAll("form")) {
      if (form.querySelector("input[data-offset-for]")) fillOffsets(form);
    }
    tick();
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form instanceof HTMLFormElement && form.querySelector("input[data-offset-for]")) fillOffsets(form);
  });

  document.addEventListener("click", (event) => {
    const button = event.target instanceof Element ? event.target.closest("button[data-copy]") : null;
    if (!button) return;
    const source = document.querySelector(button.getAttribute("data-copy"));
    if (!source) return;
    const text = "value" in source ? source.value : source.textContent;
    if (source.select) source.select();
    navigator.clipboard?.writeText(text).then(
      () => {
        button.textContent = "Copied";
      },
      () => {},
    );
  });

  // The presenter view's keys: f for fullscreen, r to reveal, c to close (the owner's buttons, when shown).
  document.addEventListener("keydown", (event) => {
    if (!document.body.classList.contains("present") || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target instanceof HTMLElement && event.target.closest("input, textarea, select, button")) return;
    if (event.key === "f") {
      if (document.fullscreenElement) void document.exitFullscreen();
      else void document.documentElement.requestFullscreen?.();
    } else if (event.key === "r") document.getElementById("reveal")?.click();
    else if (event.key === "c") document.getElementById("close")?.click();
  });

  // htmx swaps in new HTML (a vote's answer, the polled results): enhance that too.
  document.addEventListener("htmx:load", (event) => {
    if (event.target instanceof Element) enhance(event.target);
  });

  // The embed view tells the page framing it how tall it is, so the snippet's iframe fits its content.
  if (document.body.classList.contains("embed") && window.parent !== window) {
    let sent = 0;
    const main = document.querySelector("main") ?? document.body;
    const report = () => {
      // The content's own height with its margins (the document's is at least the frame's).
      const style = getComputedStyle(main);
      const outer =
        main.getBoundingClientRect().height +
        Number.parseFloat(style.marginTop) +
        Number.parseFloat(style.marginBottom);
      const height = Math.ceil(outer);
      if (height === sent) return;
      sent = height;
      window.parent.postMessage({ voteEmbed: location.pathname, height }, "*");
    };
    new ResizeObserver(report).observe(main);
    report();
  }

  enhance(document);
  setInterval(tick, 1000);
})();
