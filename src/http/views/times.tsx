/** A time as the server writes it before app.js puts it in the reader's zone: "5 Dec 2026, 14:00 UTC". */
export function formatUtc(iso: string): string {
  const date = new Date(iso);
  const day = date.toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  const time = date.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "UTC" });
  return `${day}, ${time} UTC`;
}

/** A point in time, in UTC until app.js shows it in the reader's own zone. */
export function LocalTime(props: { at: string; id?: string }) {
  return (
    <time id={props.id} datetime={props.at} data-local="">
      {formatUtc(props.at)}
    </time>
  );
}

/**
 * A countdown to `at` ("in 4:59"), run by app.js, which also unhides it
 * (without scripts there is nothing to count). When the time comes while
 * the page is open, app.js loads `then` (the page again, now changed).
 */
export function Countdown(props: { at: string; then?: string | undefined; id?: string }) {
  return (
    <span class="countdown" hidden>
      {" ("}
      <time id={props.id} datetime={props.at} data-countdown={props.then ?? ""}>
        {formatUtc(props.at)}
      </time>
      {")"}
    </span>
  );
}

/** "Closes 5 Dec 2026, 14:00 (in 4:59)": a deadline and the time left. */
export function Deadline(props: { verb: string; at: string; then?: string | undefined; id: string }) {
  return (
    <p class="deadline">
      {props.verb} <LocalTime at={props.at} id={props.id} />
      <Countdown at={props.at} then={props.then} id={`${props.id}-countdown`} />
    </p>
  );
}
