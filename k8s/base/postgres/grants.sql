-- What each role may do with the app's tables, run as the owner role after
-- every migration (the `grant` init container of the consumer pods, with
-- --single-transaction) and by roles.sh. It starts from nothing each time,
-- so a grant removed here is gone after the next run. psql variables name
-- the roles (-v web=vote_web -v consumer=vote_consumer).
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM :"web", :"consumer";
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM :"web", :"consumer";
GRANT USAGE ON SCHEMA public TO :"web", :"consumer";

-- The web process: results and polls (src/postgres), the ballots export, its
-- schema check at start; it creates, edits, closes, reopens, reveals, resets
-- and deletes polls. A reset or a deletion deletes ballots and counts; the
-- trigger that takes deleted ballots out of the counts runs as the owner
-- (SECURITY DEFINER), so the web never moves a count itself.
GRANT SELECT ON schema_migrations, polls, tallies, votes, participants TO :"web";
GRANT INSERT (id, question, options, status, manage_token_hash, min_choices, max_choices, results, opens_at,
              closes_at, protection) ON polls TO :"web";
GRANT UPDATE (question, options, status, closed_at, closes_at, revealed_at, revision, counted_from) ON polls TO :"web";
GRANT DELETE ON polls, votes, tallies, participants TO :"web";

-- The consumer: upserts ballots, and the triggers move the tallies (they run
-- with the consumer's privileges). It locks the batch's polls FOR SHARE,
-- which PostgreSQL allows only with UPDATE on some column: closed_at, the
-- one that changes nothing it or the web reads.
GRANT SELECT ON schema_migrations, polls TO :"consumer";
GRANT UPDATE (closed_at) ON polls TO :"consumer";
GRANT SELECT, INSERT, UPDATE ON votes, tallies, participants TO :"consumer";
