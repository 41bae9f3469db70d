import type { Poll } from "../../domain/polls.ts";
import { pollPaths } from "../urls.ts";
import { Flash, Layout } from "./layout.tsx";

export interface BallotView {
  poll: Poll;
  choice: string | null;
  message?: string | undefined;
}

/** One button per option, the voter's current choice marked; htmx swaps this element after a vote. */
export function BallotForm({ poll, choice, message }: BallotView) {
  const action = pollPaths(poll).voteAction;
  const closed = poll.status === "closed";
  return (
    <form id="ballot" method="post" action={action} hx-post={action} hx-target="#ballot" hx-swap="outerHTML">
      <div class="options">
        {poll.options.map((option) => (
          <button
            type="submit"
            name="vote"
            value={option.id}
            class={option.id === choice ? "option chosen" : "option"}
            aria-pressed={option.id === choice ? "true" : "false"}
            id={`vote-${option.id}`}
            disabled={closed}
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
      <p class="note">
        {closed
          ? "This poll is closed: votes are no longer taken."
          : (message ?? (choice ? "You can change your vote." : "Pick one."))}
      </p>
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
        <a href={pollPaths(props.poll).results}>See the results</a>
      </p>
      <footer>Processed by container ID {props.hostname}</footer>
    </Layout>
  );
}
