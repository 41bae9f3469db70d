import type { JSX } from "hono/jsx/jsx-runtime";
import { isMultiSelect, type Poll, type PollStatus } from "../../domain/polls.ts";
import { pollPaths } from "../urls.ts";
import { Flash, Layout } from "./layout.tsx";
import { Countdown, Deadline, LocalTime } from "./times.tsx";

export interface BallotView {
  poll: Poll;
  /** The voter's current ballot, or null. */
  choices: readonly string[] | null;
  /** Open or closed now (closesAt counted), and whether it opens later. */
  status: PollStatus;
  notYetOpen?: boolean;
  message?: string | undefined;
  /** Where app.js goes when the poll opens or closes while the page is shown: the page again. */
  reloadTo?: string | undefined;
}

/** ALTCHA's widget: its script, then the file that gives it its worker (altcha-setup.js), and its stylesheet. */
const ALTCHA_ASSETS = {
  scripts: ["/static/altcha.js", "/static/altcha-setup.js"],
  styles: ["/static/altcha.css"],
} as const;
/** Solved as soon as the ballot shows (auto="onload"), so a vote waits for nothing; no logo or attribution link. */
const ALTCHA_CONFIGURATION = JSON.stringify({ hideLogo: true, hideFooter: true });

function Chosen() {
  return (
    <span class="check">
      <span aria-hidden="true"> ✔</span>
      <span class="visually-hidden"> (your vote)</span>
    </span>
  );
}

/** What the note under the ballot says. */
function noteOf({ poll, choices, status, notYetOpen, message, reloadTo }: BallotView): JSX.Element | string {
  if (status === "closed") return "This poll is closed: votes are no longer taken.";
  if (notYetOpen && poll.opensAt) {
    return (
      <>
        This poll opens <LocalTime at={poll.opensAt} id="opens-at" />
        <Countdown at={poll.opensAt} then={reloadTo ?? pollPaths(poll).vote} id="opens-at-countdown" />.
      </>
    );
  }
  if (message) return message;
  if (choices) return "You can change your vote.";
  if (!isMultiSelect(poll)) return "Pick one.";
  return poll.minChoices === poll.maxChoices
    ? `Pick ${poll.maxChoices}.`
    : `Pick ${poll.minChoices === 1 ? "up to" : `${poll.minChoices} to`} ${poll.maxChoices}.`;
}

/**
 * The ballot, the voter's current choices marked; htmx swaps this element
 * after a vote. A single-choice poll has one button per option; a
 * multi-select poll has a box per option and one button to cast the set. A
 * poll with protection "challenge" carries ALTCHA's widget, which solves its
 * challenge and adds the solution to the form.
 */
export function BallotForm(view: BallotView & { target?: "_blank" }) {
  const { poll, choices, status, notYetOpen } = view;
  const action = pollPaths(poll).voteAction;
  const disabled = status === "closed" || notYetOpen === true;
  const chosen = (id: string) => choices?.includes(id) ?? false;
  // In another site's frame the vote is posted as a page of its own in a new tab (a top-level
  // navigation from this origin, so the voter cookie goes with it); otherwise htmx swaps the ballot.
  const posting = view.target
    ? { target: view.target }
    : { "hx-post": action, "hx-target": "#ballot", "hx-swap": "outerHTML" };
  return (
    <form id="ballot" method="post" action={action} {...posting}>
      {isMultiSelect(poll) ? (
        <fieldset class="options multi">
          <legend class="visually-hidden">{poll.question}</legend>
          {poll.options.map((option) => (
            <label class={chosen(option.id) ? "option chosen" : "option"} for={`vote-${option.id}`}>
              <input
                type="checkbox"
                name="vote"
                value={option.id}
                id={`vote-${option.id}`}
                checked={chosen(option.id)}
                disabled={disabled}
              />
              {option.label}
              {chosen(option.id) ? <Chosen /> : null}
            </label>
          ))}
          <button type="submit" id="cast" class="primary" disabled={disabled}>
            Vote
          </button>
        </fieldset>
      ) : (
        <div class="options">
          {poll.options.map((option) => (
            <button
              type="submit"
              name="vote"
              value={option.id}
              class={chosen(option.id) ? "option chosen" : "option"}
              aria-pressed={chosen(option.id) ? "true" : "false"}
              id={`vote-${option.id}`}
              disabled={disabled}
            >
              {option.label}
              {chosen(option.id) ? <Chosen /> : null}
            </button>
          ))}
        </div>
      )}
      {poll.protection === "challenge" && !disabled ? (
        <altcha-widget
          challenge={`/api/polls/${encodeURIComponent(poll.id)}/challenge`}
          auto="onload"
          configuration={ALTCHA_CONFIGURATION}
        />
      ) : null}
      <p class="note">{noteOf(view)}</p>
    </form>
  );
}

export function VotePage(props: BallotView) {
  return (
    <Layout title={props.poll.question} {...(props.poll.protection === "challenge" ? ALTCHA_ASSETS : {})}>
      <h1>{props.poll.question}</h1>
      {props.poll.closesAt && props.status === "open" ? (
        <Deadline verb="Closes" at={props.poll.closesAt} then={pollPaths(props.poll).vote} id="closes-at" />
      ) : null}
      <BallotForm {...props} />
      {/* htmx shows a refused vote's message here (see Layout's htmx config). */}
      <Flash tone="error" />
      <p class="links">
        <a href={pollPaths(props.poll).results}>See the results</a>
      </p>
    </Layout>
  );
}
