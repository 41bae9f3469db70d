import type { Child } from "hono/jsx";
import type { LiveResults } from "../../core/read-results.ts";
import {
  type DraftField,
  OPTIONS_MAX,
  type Poll,
  PROTECTIONS,
  type Protection,
  QUESTION_MAX,
  RESULTS_VISIBILITIES,
  type ResultsVisibility,
} from "../../domain/polls.ts";
import { Flash, Layout } from "./layout.tsx";
import { ResultsFragment } from "./results-page.tsx";
import { Deadline, LocalTime } from "./times.tsx";

/** Six option fields, of which two must be filled; more can be added through the API (up to ten). */
const OPTION_FIELDS = 6;

/** The settings as the form holds them: what was typed, kept as text to show it again. */
export interface PollSettingsForm {
  minChoices: string;
  maxChoices: string;
  /** datetime-local values: the writer's wall clock. */
  opensAt: string;
  closesAt: string;
  results: string;
  protection: string;
}

export const EMPTY_SETTINGS: PollSettingsForm = {
  minChoices: "1",
  maxChoices: "1",
  opensAt: "",
  closesAt: "",
  results: "always",
  protection: "cookie",
};

export interface NewPollForm {
  question: string;
  options: string[];
  settings?: PollSettingsForm;
  errors?: Partial<Record<DraftField, string>>;
}

/** How the form names each choice of who sees the counts. */
export const RESULTS_LABELS: Record<ResultsVisibility, string> = {
  always: "Everyone, always",
  "after-vote": "Each voter, once they have voted",
  "after-close": "Everyone, once the poll closes",
  hidden: "No one but you, until you reveal them",
};

/** How the form names each way of keeping one person to one ballot. */
export const PROTECTION_LABELS: Record<Protection, string> = {
  cookie: "One ballot per browser (cookie)",
  address: "Also one voter per network address",
  challenge: "A proof-of-work challenge with each vote (against scripts)",
};

/** A labelled field with its error beside it (`<id>-error`), the control marked invalid. */
function Field(props: {
  id: DraftField;
  label: string;
  error?: string | undefined;
  hint?: string;
  control: (aria: Record<string, string | undefined>) => Child;
}) {
  const describedBy = [props.hint ? `${props.id}-hint` : "", props.error ? `${props.id}-error` : ""]
    .filter(Boolean)
    .join(" ");
  return (
    <p class="field">
      <label for={props.id}>{props.label}</label>
      {props.control({
        "aria-invalid": props.error ? "true" : undefined,
        "aria-describedby": describedBy || undefined,
      })}
      {props.hint ? (
        <span class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </span>
      ) : null}
      {props.error ? (
        <span class="field-error" id={`${props.id}-error`}>
          {props.error}
        </span>
      ) : null}
    </p>
  );
}

/** The poll's settings: how many choices, when it opens and closes, who sees the counts, how votes are protected. */
function SettingsFields({ settings, errors }: { settings: PollSettingsForm; errors: NewPollForm["errors"] & {} }) {
  return (
    <fieldset class="settings">
      <legend>Settings</legend>
      <Field
        id="maxChoices"
        label="Most options a voter may pick"
        error={errors.maxChoices}
        control={(aria) => (
          <input
            id="maxChoices"
            name="maxChoices"
            type="number"
            min="1"
            max={OPTIONS_MAX}
            value={settings.maxChoices}
            {...aria}
          />
        )}
      />
      <Field
        id="minChoices"
        label="Fewest options a voter must pick"
        error={errors.minChoices}
        control={(aria) => (
          <input
            id="minChoices"
            name="minChoices"
            type="number"
            min="1"
            max={OPTIONS_MAX}
            value={settings.minChoices}
            {...aria}
          />
        )}
      />
      <Field
        id="opensAt"
        label="Opens at (optional)"
        error={errors.opensAt}
        hint="In your own time zone; if your browser runs no scripts, in UTC."
        control={(aria) => (
          <input id="opensAt" name="opensAt" type="datetime-local" value={settings.opensAt} {...aria} />
        )}
      />
      <input type="hidden" name="opensAtOffset" data-offset-for="opensAt" value="" />
      <Field
        id="closesAt"
        label="Closes at (optional)"
        error={errors.closesAt}
        hint="The poll closes by itself then. Same time zone as above."
        control={(aria) => (
          <input id="closesAt" name="closesAt" type="datetime-local" value={settings.closesAt} {...aria} />
        )}
      />
      <input type="hidden" name="closesAtOffset" data-offset-for="closesAt" value="" />
      <Field
        id="results"
        label="Who sees the counts"
        error={errors.results}
        control={(aria) => (
          <select id="results" name="results" {...aria}>
            {RESULTS_VISIBILITIES.map((value) => (
              <option value={value} selected={settings.results === value}>
                {RESULTS_LABELS[value]}
              </option>
            ))}
          </select>
        )}
      />
      <Field
        id="protection"
        label="Protection"
        error={errors.protection}
        control={(aria) => (
          <select id="protection" name="protection" {...aria}>
            {PROTECTIONS.map((value) => (
              <option value={value} selected={settings.protection === value}>
                {PROTECTION_LABELS[value]}
              </option>
            ))}
          </select>
        )}
      />
    </fieldset>
  );
}

/** The form that creates a poll; a refused field keeps what was typed and says why beside it. */
export function NewPollPage({ form, flash }: { form: NewPollForm; flash?: string | undefined }) {
  const { errors = {} } = form;
  return (
    <Layout title="New poll">
      <h1>New poll</h1>
      {flash ? <Flash message={flash} /> : null}
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
        <SettingsFields settings={form.settings ?? EMPTY_SETTINGS} errors={errors} />
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

/** What went wrong with one of the manage page's forms, shown beside it. */
export type ManageProblems = Partial<Record<"reset" | "delete" | DraftField | "edit", string>>;

export interface ManageView {
  poll: Poll;
  results: LiveResults;
  voteLink: string;
  resultsLink: string;
  presentLink: string;
  embedLink: string;
  problems?: ManageProblems;
  /** What the edit form held when it was refused. */
  edit?: { question: string; options: string[] };
}

/** Text as it must be written inside a double-quoted HTML attribute. */
function escapeAttribute(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll('"', "&quot;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

function describeChoices(poll: Poll): string {
  if (poll.maxChoices === 1) return "one option";
  if (poll.minChoices === poll.maxChoices) return `exactly ${poll.maxChoices} options`;
  return `${poll.minChoices} to ${poll.maxChoices} options`;
}

/** A destructive action: a button that posts only with its "I understand" box ticked (checked again on the server). */
function ConfirmedAction(props: {
  action: string;
  name: "reset" | "delete";
  button: string;
  understand: string;
  error?: string | undefined;
}) {
  const errorId = `${props.name}-error`;
  return (
    <form method="post" action={props.action} class="manage-danger">
      <p class="field confirm">
        <input
          type="checkbox"
          id={`${props.name}-confirm`}
          name="confirm"
          value={props.name}
          required
          aria-invalid={props.error ? "true" : undefined}
          aria-describedby={props.error ? errorId : undefined}
        />
        <label for={`${props.name}-confirm`}>{props.understand}</label>
        {props.error ? (
          <span class="field-error" id={errorId}>
            {props.error}
          </span>
        ) : null}
      </p>
      <button type="submit" id={props.name} class="danger">
        {props.button}
      </button>
    </form>
  );
}

/** The owner's page: the link and a QR code to show the room, the live results, settings, owner actions, export, embed. */
export function ManagePage(view: ManageView) {
  const { poll, results, voteLink, resultsLink, presentLink, embedLink, problems = {} } = view;
  const id = encodeURIComponent(poll.id);
  const open = results.status === "open";
  const manage = `/p/${id}/manage`;
  // The frame fits its content: the embed view posts its height, and the snippet's script, on the
  // framing page, takes it only from this app's origin and only for this poll's frame.
  const embedPath = new URL(embedLink).pathname;
  const snippet = [
    `<iframe src="${embedLink}" title="${escapeAttribute(poll.question)}" width="480" height="560" style="border:0;width:100%;max-width:480px"></iframe>`,
    `<script>addEventListener("message",function(e){if(e.origin!==${JSON.stringify(new URL(embedLink).origin)}||!e.data||e.data.voteEmbed!==${JSON.stringify(embedPath)})return;document.querySelectorAll('iframe[src="${embedLink}"]').forEach(function(f){f.style.height=e.data.height+"px"})})</script>`,
  ].join("\n");
  const edit = view.edit ?? { question: poll.question, options: poll.options.map((option) => option.label) };
  return (
    <Layout title={`Manage: ${results.question}`}>
      <h1>{results.question}</h1>
      <p>
        Poll is <strong id="status">{results.status}</strong>.
      </p>
      {poll.opensAt && Date.parse(poll.opensAt) > Date.now() ? (
        <Deadline verb="Opens" at={poll.opensAt} then={manage} id="opens-at" />
      ) : null}
      {poll.closesAt && open ? <Deadline verb="Closes" at={poll.closesAt} then={manage} id="closes-at" /> : null}
      <section class="share">
        <p>
          Vote at{" "}
          <a id="vote-link" href={voteLink}>
            {voteLink}
          </a>
        </p>
        <img id="qr" class="qr" src={`/p/${id}/qr.svg`} alt={`QR code of the vote link ${voteLink}`} />
        <p>
          <a id="present-link" href={presentLink}>
            Presenter view
          </a>{" "}
          (for a projector: big question, live chart, QR code)
        </p>
      </section>
      <ResultsFragment results={results} />
      <div class="manage-actions">
        <form method="post" action={`${manage}/${open ? "close" : "open"}`}>
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
        {poll.results === "hidden" && !poll.revealed ? (
          <form method="post" action={`${manage}/reveal`}>
            <button type="submit" id="reveal" class="primary">
              Reveal the counts to everyone
            </button>
          </form>
        ) : null}
      </div>
      <section class="settings-summary">
        <h2>Settings</h2>
        <dl id="settings">
          <dt>Each ballot holds</dt>
          <dd id="setting-choices">{describeChoices(poll)}</dd>
          <dt>Who sees the counts</dt>
          <dd id="setting-results">
            {RESULTS_LABELS[poll.results]}
            {poll.results === "hidden" && poll.revealed ? " (revealed: everyone sees them now)" : ""}
          </dd>
          <dt>Protection</dt>
          <dd id="setting-protection">{PROTECTION_LABELS[poll.protection]}</dd>
          <dt>Opens</dt>
          <dd id="setting-opens">{poll.opensAt ? <LocalTime at={poll.opensAt} /> : "when created"}</dd>
          <dt>Closes</dt>
          <dd id="setting-closes">{poll.closesAt ? <LocalTime at={poll.closesAt} /> : "when you close it"}</dd>
        </dl>
      </section>
      {results.participants === 0 ? (
        <section class="edit">
          <h2>Edit the question and options</h2>
          <p class="hint">Until the first vote is cast.</p>
          <form method="post" action={`${manage}/edit`} class="new-poll" novalidate>
            <p class="field">
              <label for="edit-question">Question</label>
              <input
                id="edit-question"
                name="question"
                value={edit.question}
                maxlength={QUESTION_MAX}
                aria-invalid={problems.question ? "true" : undefined}
                aria-describedby={problems.question ? "edit-question-error" : undefined}
              />
              {problems.question ? (
                <span class="field-error" id="edit-question-error">
                  {problems.question}
                </span>
              ) : null}
            </p>
            <fieldset aria-describedby={problems.options ? "edit-options-error" : undefined}>
              <legend>Options</legend>
              {Array.from({ length: Math.max(OPTION_FIELDS, edit.options.length) }, (_, i) => (
                <p class="field">
                  <label for={`edit-option-${i + 1}`}>Option {i + 1}</label>
                  <input id={`edit-option-${i + 1}`} name="option" value={edit.options[i] ?? ""} maxlength={80} />
                </p>
              ))}
              {problems.options ? (
                <span class="field-error" id="edit-options-error">
                  {problems.options}
                </span>
              ) : null}
            </fieldset>
            {problems.edit ? (
              <p class="field-error" id="edit-error">
                {problems.edit}
              </p>
            ) : null}
            <button type="submit" id="save-edit">
              Save changes
            </button>
          </form>
        </section>
      ) : null}
      <section class="embed">
        <h2>Embed on your site</h2>
        <p>
          <label for="embed-code">Paste this where the poll should appear:</label>
        </p>
        <textarea id="embed-code" readonly rows={3}>
          {snippet}
        </textarea>
        <button type="button" data-copy="#embed-code">
          Copy
        </button>
      </section>
      <section class="danger-zone">
        <h2>Reset or delete</h2>
        <ConfirmedAction
          action={`${manage}/reset`}
          name="reset"
          button="Reset the poll"
          understand="I understand every ballot and count is dropped."
          error={problems.reset}
        />
        <ConfirmedAction
          action={`${manage}/delete`}
          name="delete"
          button="Delete the poll"
          understand="I understand the poll and its ballots are gone for good."
          error={problems.delete}
        />
      </section>
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
