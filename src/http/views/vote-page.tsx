import { DEFAULT_POLL_ID, type Poll } from "../../domain/polls.ts";
import { Flash, Layout } from "./layout.tsx";

export interface BallotView {
  poll: Poll;
  choice: string | null;
  message?: string | undefined;
}

/** The two buttons, the voter's current choice marked; htmx swaps this element after a vote. */
export function BallotForm({ poll, choice, message }: BallotView) {
  const pollField = poll.id === DEFAULT_POLL_ID ? null : <input type="hidden" name="poll" value={poll.id} />;
  return (
    <form id="ballot" method="post" action="/vote" hx-post="/vote" hx-target="#ballot" hx-swap="outerHTML">
      {pollField}
      <div class="options">
        {poll.options.map((option) => (
          <button
            type="submit"
            name="vote"
            value={option.id}
            class={option.id === choice ? "option chosen" : "option"}
            aria-pressed={option.id === choice ? "true" : "false"}
            id={`vote-${option.id}`}
          >
            {option.label}
            {option.id === choice ? (
              <span class="check">
                <span aria-hidden="true"> ✔</span>
                <span class="visually-hidden"> (your vote)</span>
              </span>
            ) : null}
          </button>
        ))}
      </div>
      <p class="note">{message ?? (choice ? "You can change your vote." : "Pick one.")}</p>
    </form>
  );
}

export function VotePage(props: BallotView & { hostname: string }) {
  return (
    <Layout title={props.poll.question}>
      <h1>{props.poll.question}</h1>
      <BallotForm poll={props.poll} choice={props.choice} message={props.message} />
      {/* htmx shows a refused vote's message here (see Layout's htmx config). */}
      <Flash tone="error" />
      <p class="links">
        <a href={props.poll.id === DEFAULT_POLL_ID ? "/result" : `/result?poll=${encodeURIComponent(props.poll.id)}`}>
          See the results
        </a>
      </p>
      <footer>Processed by container ID {props.hostname}</footer>
    </Layout>
  );
}
