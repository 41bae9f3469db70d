import type { LiveResults } from "../../core/read-results.ts";
import type { Poll } from "../../domain/polls.ts";
import { managePath, pollPaths } from "../urls.ts";
import { Layout } from "./layout.tsx";
import { ResultsFragment } from "./results-page.tsx";
import { Deadline } from "./times.tsx";
import { BallotForm } from "./vote-page.tsx";

export interface PresentView {
  poll: Poll;
  /** What the room may see: read as anyone, never as the owner. */
  results: LiveResults;
  voteLink: string;
  /** The browser holds the manage cookie: show the owner's buttons (and their keys). */
  owner: boolean;
}

/**
 * The presenter view for a projector: the question large, the live chart,
 * the vote link and its QR code always in view, the time left. The owner
 * gets reveal and close buttons (keys r and c, f for fullscreen: app.js).
 */
export function PresentPage({ poll, results, voteLink, owner }: PresentView) {
  const paths = pollPaths(poll);
  const open = results.status === "open";
  const back = "?back=present";
  return (
    <Layout title={`Present: ${poll.question}`} bodyClass="present">
      <div class="present-grid">
        <section class="present-main">
          <h1>{poll.question}</h1>
          {poll.closesAt && open ? (
            <Deadline verb="Closes" at={poll.closesAt} then={paths.present} id="closes-at" />
          ) : null}
          <ResultsFragment results={results} polling={paths.presentFragment} />
        </section>
        <aside class="present-join">
          <img id="qr" class="qr" src={paths.qr} alt={`QR code of the vote link ${voteLink}`} />
          <p class="vote-link">
            Vote at{" "}
            <a id="vote-link" href={voteLink}>
              {voteLink}
            </a>
          </p>
        </aside>
      </div>
      {owner ? (
        <div class="present-owner">
          {results.hidden && poll.results === "hidden" && !poll.revealed ? (
            <form method="post" action={`${managePath(poll.id)}/reveal${back}`}>
              <button type="submit" id="reveal" aria-keyshortcuts="r">
                Reveal the counts (r)
              </button>
            </form>
          ) : null}
          {open ? (
            <form method="post" action={`${managePath(poll.id)}/close${back}`}>
              <button type="submit" id="close" aria-keyshortcuts="c">
                Close the poll (c)
              </button>
            </form>
          ) : null}
          <p class="hint">Press f for fullscreen.</p>
        </div>
      ) : (
        <p class="hint present-hint">Press f for fullscreen.</p>
      )}
    </Layout>
  );
}

export interface EmbedView {
  poll: Poll;
  /** As this viewer may see them, like the results page. */
  results: LiveResults;
  voteLink: string;
}

/**
 * The view other sites may frame: the question, the ballot, the live
 * results and a link to the vote page. Inside another site's page the
 * browser withholds the voter cookie from the frame's own requests
 * (SameSite, third-party cookie blocking), so the ballot posts as a page
 * in a new tab: a top-level navigation from this origin, which carries
 * the cookie, so one voter still counts once. A challenge poll's ballot
 * needs its widget, so there only the link is offered.
 */
export function EmbedPage({ poll, results, voteLink }: EmbedView) {
  const open = results.status === "open";
  return (
    <Layout title={poll.question} bodyClass="embed">
      <h1>{poll.question}</h1>
      {poll.closesAt && open ? <Deadline verb="Closes" at={poll.closesAt} id="closes-at" /> : null}
      {open && poll.protection !== "challenge" ? (
        <BallotForm poll={poll} choices={null} status={results.status} target="_blank" />
      ) : null}
      <ResultsFragment results={results} />
      {open ? (
        <p class="embed-vote">
          <a id="vote-link" class="button primary" href={voteLink} target="_blank" rel="noopener">
            Vote (opens a new tab)
          </a>
        </p>
      ) : null}
    </Layout>
  );
}
