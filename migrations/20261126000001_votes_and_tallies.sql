-- migrate:up

-- Each voter's current choice per poll. `version` is the per-voter counter
-- the web tier bumps in Redis; only a higher version may replace a row, so
-- redelivered and out-of-order ballots change nothing.
CREATE TABLE votes (
  poll_id    text        NOT NULL,
  voter_id   text        NOT NULL,
  option_id  text        NOT NULL,
  version    bigint      NOT NULL CHECK (version > 0),
  cast_at    timestamptz NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (poll_id, voter_id)
);

-- Counts per option, read by the results page at constant cost.
CREATE TABLE tallies (
  poll_id   text   NOT NULL,
  option_id text   NOT NULL,
  votes     bigint NOT NULL DEFAULT 0 CHECK (votes >= 0),
  PRIMARY KEY (poll_id, option_id)
);

-- Tallies follow `votes` through statement-level triggers with transition
-- tables. The OLD TABLE of an INSERT ... ON CONFLICT DO UPDATE holds the row
-- as it was when this transaction locked it, even if another consumer changed
-- it a moment earlier, so the deltas are right under any concurrency.
CREATE FUNCTION count_new_votes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO tallies AS t (poll_id, option_id, votes)
  SELECT poll_id, option_id, count(*) FROM new_votes
  GROUP BY poll_id, option_id
  ORDER BY poll_id, option_id
  ON CONFLICT (poll_id, option_id) DO UPDATE SET votes = t.votes + excluded.votes;
  RETURN NULL;
END
$$;

-- A changed vote moves one count from the old option to the new one. Counts
-- that fall go through UPDATE (the row exists, since the old vote was counted)
-- and counts that rise through an upsert, so no row is ever inserted negative.
CREATE FUNCTION count_changed_votes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH moves AS (
    SELECT poll_id, option_id, sum(delta) AS delta
    FROM (
      SELECT poll_id, option_id, -1 AS delta FROM old_votes
      UNION ALL
      SELECT poll_id, option_id, 1 FROM new_votes
    ) AS changes
    GROUP BY poll_id, option_id
    HAVING sum(delta) <> 0
  ), fallen AS (
    UPDATE tallies AS t SET votes = t.votes + m.delta
    FROM moves AS m
    WHERE m.delta < 0 AND t.poll_id = m.poll_id AND t.option_id = m.option_id
  )
  INSERT INTO tallies AS t (poll_id, option_id, votes)
  SELECT poll_id, option_id, delta FROM moves WHERE delta > 0
  ORDER BY poll_id, option_id
  ON CONFLICT (poll_id, option_id) DO UPDATE SET votes = t.votes + excluded.votes;
  RETURN NULL;
END
$$;

CREATE TRIGGER votes_counted_on_insert
  AFTER INSERT ON votes REFERENCING NEW TABLE AS new_votes
  FOR EACH STATEMENT EXECUTE FUNCTION count_new_votes();

CREATE TRIGGER votes_counted_on_update
  AFTER UPDATE ON votes REFERENCING OLD TABLE AS old_votes NEW TABLE AS new_votes
  FOR EACH STATEMENT EXECUTE FUNCTION count_changed_votes();

-- migrate:down
DROP TABLE tallies;
DROP TABLE votes;
DROP FUNCTION count_changed_votes();
DROP FUNCTION count_new_votes();
