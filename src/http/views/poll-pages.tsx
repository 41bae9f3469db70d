import type { LiveResults } from "../../core/read-results.ts";
import { OPTIONS_MAX, QUESTION_MAX } from "../../domain/polls.ts";
import { Layout } from "./layout.tsx";
import { ResultsFragment } from "./results-page.tsx";

/** Six option fields, of which two must be filled; more can be added through the API (up to ten). */
const OPTION_FIELDS = 6;

export interface NewPollForm {
  question: string;
  options: string[];
  errors?: { question?: string | undefined; options?: string | undefined };
}

/** The form that creates a poll; a refused field keeps what was typed and says why beside it. */
export function NewPollPage({ form }: { form: NewPollForm }) {
  const { errors = {} } = form;
  return (
    <Layout title="New poll">
      <h1>New poll</h1>
      <form method="post" action="/new" class="new-poll" novalidate>
        <p class="field">
          <label for="question">Question</label>
          <input
            id="question"
            name="question"
            value={form.question}
            maxlength={QUESTION_MAX}
            required
            aria-invalid={errors.question ? "true" : undefined}
            aria-describedby={errors.question ? "question-error" : undefined}
          />
          {errors.question ? (
            <span class="field-error" id="question-error">
              {errors.question}
            </span>
          ) : null}
        </p>
        <fieldset aria-describedby={errors.options ? "options-error" : undefined}>
          <legend>Options (at least two, at most {OPTIONS_MAX} through the API)</legend>
          {Array.from({ length: OPTION_FIELDS }, (_, i) => (
            <p class="field">
              <label for={`option-${i + 1}`}>Option {i + 1}</label>
              <input id={`option-${i + 1}`} name="option" value={form.options[i] ?? ""} maxlength={80} />
            </p>
          ))}
          {errors.options ? (
            <span class="field-error" id="options-error">
              {errors.options}
            </span>
          ) : null}
        </fieldset>
        <button type="submit" id="create" class="primary">
          Create poll
        </button>
      </form>
    </Layout>
  );
}

/** Between the manage link and the manage page: this site's own navigation to the clean address. */
export function ManageHandoffPage({ path }: { path: string }) {
  return (
    <Layout title="Opening the manage page" refreshTo={path}>
      <h1>Opening the manage page…</h1>
      <p>
        <a id="continue" href={path}>
          Continue to the manage page
        </a>
      </p>
    </Layout>
  );
}

export interface ManageView {
  results: LiveResults;
  voteLink: string;
  resultsLink: string;
}

/** The presenter's page: the link and a QR code to show the room, the live results, close or reopen, export. */
export function ManagePage({ results, voteLink, resultsLink }: ManageView) {
  const id = encodeURIComponent(results.poll);
  const open = results.status === "open";
  return (
    <Layout title={`Manage: ${results.question}`}>
      <h1>{results.question}</h1>
      <p>
        Poll is <strong id="status">{results.status}</strong>.
      </p>
      <section class="share">
        <p>
          Vote at{" "}
          <a id="vote-link" href={voteLink}>
            {voteLink}
          </a>
        </p>
        <img id="qr" class="qr" src={`/p/${id}/qr.svg`} alt={`QR code of the vote link ${voteLink}`} />
      </section>
      <ResultsFragment results={results} />
      <form method="post" action={`/p/${id}/manage/${open ? "close" : "open"}`} class="manage-actions">
        {open ? (
          <button type="submit" id="close" class="primary">
            Close the poll
          </button>
        ) : (
          <button type="submit" id="reopen" class="primary">
            Reopen the poll
          </button>
        )}
      </form>
      <p class="links">
        <a id="results-link" href={resultsLink}>
          Results page
        </a>{" "}
        ·{" "}
        <a id="export-results" href={`/api/polls/${id}/results.csv`}>
          Download results (CSV)
        </a>{" "}
        ·{" "}
        <a id="export-ballots" href={`/api/polls/${id}/ballots.csv`}>
          Download ballots (CSV)
        </a>
      </p>
    </Layout>
  );
}
