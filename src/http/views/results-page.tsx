import type { HiddenResults, LiveResults, VisibleResults } from "../../core/read-results.ts";
import { describeParticipants, describeTotal } from "../../domain/tallies.ts";
import { pollPaths } from "../urls.ts";
import { Layout } from "./layout.tsx";
import { Deadline } from "./times.tsx";

function Tallies({ results }: { results: VisibleResults }) {
  return (
    <>
      <ul class="tallies">
        {results.options.map((option) => (
          <li class="tally" id={`tally-${option.id}`} data-votes={String(option.votes)}>
            <span class="label">{option.label}</span>
            <progress max="100" value={String(option.percent)}>
              {option.percent}%
            </progress>
            <span class="percent">{option.percent}%</span>
            <span class="count">
              {option.votes.toLocaleString("en-US")} {option.votes === 1 ? "vote" : "votes"}
            </span>
          </li>
        ))}
      </ul>
      <p class="total" id="total">
        {results.total === results.participants
          ? describeTotal(results.total)
          : `${describeParticipants(results.participants)} (${describeTotal(results.total)} in all)`}
      </p>
    </>
  );
}

/** Counts hidden from this viewer: the options and how many voted, never a count. */
function Hidden({ results }: { results: HiddenResults }) {
  return (
    <>
      <ul class="tallies hidden-counts">
        {results.options.map((option) => (
          <li class="tally" id={`tally-${option.id}`}>
            <span class="label">{option.label}</span>
          </li>
        ))}
      </ul>
      <p class="total" id="total">
        {describeParticipants(results.participants)}
      </p>
      <p class="hidden-note" id="hidden">
        The counts are hidden for now.
      </p>
    </>
  );
}

/**
 * The counts, polled by htmx every second while the poll is open; it replaces
 * itself (outerHTML) from `polling` (the results page's fragment unless
 * said otherwise). A closed poll's fragment has no trigger left, so the
 * polling stops for good (the route also answers htmx's 286).
 */
export function ResultsFragment({ results, polling: path }: { results: LiveResults; polling?: string | undefined }) {
  const open = results.status === "open";
  const polling = open
    ? { "hx-get": path ?? pollPaths({ id: results.poll }).fragment, "hx-trigger": "every 1s", "hx-swap": "outerHTML" }
    : {};
  return (
    <section id="results" {...polling} aria-live="polite" data-participants={String(results.participants)}>
      {results.hidden ? <Hidden results={results} /> : <Tallies results={results} />}
      {open ? null : (
        <p class="closed" id="closed">
          This poll is closed: these counts are final.
        </p>
      )}
      {results.current ? null : (
        <p class="stale" id="stale">
          These are the last counts that could be read: the database isn't answering right now. Votes are still taken
          and will show once it is back.
        </p>
      )}
    </section>
  );
}

export function ResultsPage({ results }: { results: LiveResults }) {
  return (
    <Layout title={`Results: ${results.question}`}>
      <h1>{results.question}</h1>
      {results.closesAt && results.status === "open" ? (
        <Deadline verb="Closes" at={results.closesAt} id="closes-at" />
      ) : null}
      <ResultsFragment results={results} />
      <p class="links">
        <a href={pollPaths({ id: results.poll }).vote}>Vote</a>
      </p>
    </Layout>
  );
}
