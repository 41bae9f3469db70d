import type { LiveResults } from "../../core/read-results.ts";
import { DEFAULT_POLL_ID } from "../../domain/polls.ts";
import { describeTotal } from "../../domain/tallies.ts";
import { Layout } from "./layout.tsx";

/** The counts, polled by htmx every second; it replaces itself (outerHTML). */
export function ResultsFragment({ results }: { results: LiveResults }) {
  const query = results.poll === DEFAULT_POLL_ID ? "" : `?poll=${encodeURIComponent(results.poll)}`;
  return (
    <section
      id="results"
      hx-get={`/result/fragment${query}`}
      hx-trigger="every 1s"
      hx-swap="outerHTML"
      aria-live="polite"
    >
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
        {describeTotal(results.total)}
      </p>
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
      <ResultsFragment results={results} />
      <p class="links">
        <a href="/vote">Vote</a>
      </p>
    </Layout>
  );
}
