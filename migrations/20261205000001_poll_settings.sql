-- migrate:up

-- How each poll runs (issue 17). Every existing poll keeps running as it did:
-- one choice, results shown to all, no deadline, the voter cookie.
ALTER TABLE polls
  ADD COLUMN min_choices  integer     NOT NULL DEFAULT 1,
  ADD COLUMN max_choices  integer     NOT NULL DEFAULT 1,
  ADD COLUMN results      text        NOT NULL DEFAULT 'always'
    CHECK (results IN ('always', 'after-vote', 'after-close', 'hidden')),
  -- A hidden poll's counts, shown to everyone from this moment (its owner revealed them).
  ADD COLUMN revealed_at  timestamptz,
  ADD COLUMN opens_at     timestamptz,
  ADD COLUMN closes_at    timestamptz,
  ADD COLUMN protection   text        NOT NULL DEFAULT 'cookie'
    CHECK (protection IN ('cookie', 'address', 'challenge')),
  -- Grows with each edit and reset; ballots of a revision below counted_from (the last reset) don't count.
  ADD COLUMN revision     integer     NOT NULL DEFAULT 0,
  ADD COLUMN counted_from integer     NOT NULL DEFAULT 0,
  ADD CONSTRAINT polls_choices_check CHECK (min_choices BETWEEN 1 AND max_choices AND max_choices BETWEEN 1 AND 10),
  ADD CONSTRAINT polls_window_check CHECK (closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at),
  ADD CONSTRAINT polls_revision_check CHECK (counted_from BETWEEN 0 AND revision);

-- A ballot is a set of options: one on a single-choice poll, up to max_choices on a multi-select one.
ALTER TABLE votes ADD COLUMN choices text[];
UPDATE votes SET choices = ARRAY[option_id];
ALTER TABLE votes
  ALTER COLUMN choices SET NOT NULL,
  ADD CONSTRAINT votes_choices_check CHECK (cardinality(choices) BETWEEN 1 AND 10),
  DROP COLUMN option_id,
  -- The poll's revision the ballot was cast under (see polls.counted_from).
  ADD COLUMN revision integer NOT NULL DEFAULT 0;

-- Voters with a current ballot, per poll: the results' participants, read at
-- constant cost like the tallies (a multi-select poll's tallies count selections).
CREATE TABLE participants (
  poll_id text   PRIMARY KEY REFERENCES polls (id) ON DELETE CASCADE,
  voters  bigint NOT NULL DEFAULT 0 CHECK (voters >= 0)
);
INSERT INTO participants (poll_id, voters) SELECT poll_id, count(*) FROM votes GROUP BY poll_id;

-- Deleting a poll takes its ballots and counts with it.
ALTER TABLE votes DROP CONSTRAINT votes_poll_id_fkey,
  ADD CONSTRAINT votes_poll_id_fkey FOREIGN KEY (poll_id) REFERENCES polls (id) ON DELETE CASCADE;
ALTER TABLE tallies DROP CONSTRAINT tallies_poll_id_fkey,
  ADD CONSTRAINT tallies_poll_id_fkey FOREIGN KEY (poll_id) REFERENCES polls (id) ON DELETE CASCADE;

-- The triggers count selections (each option of a ballot's set) and
-- participants (each ballot), still one statement for a whole batch, under
-- the per-poll advisory lock of 20261129000002.
CREATE OR REPLACE FUNCTION count_new_votes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM lock_tallies_of(ARRAY(SELECT DISTINCT poll_id FROM new_votes));
  INSERT INTO tallies AS t (poll_id, option_id, votes)
  SELECT poll_id, choice, count(*) FROM new_votes, unnest(choices) AS choice
  GROUP BY poll_id, choice
  ORDER BY poll_id, choice
  ON CONFLICT (poll_id, option_id) DO UPDATE SET votes = t.votes + excluded.votes;
  INSERT INTO participants AS p (poll_id, voters)
  SELECT poll_id, count(*) FROM new_votes GROUP BY poll_id ORDER BY poll_id
  ON CONFLICT (poll_id) DO UPDATE SET voters = p.voters + excluded.voters;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION count_changed_votes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM lock_tallies_of(ARRAY(SELECT DISTINCT poll_id FROM new_votes));
  WITH moves AS (
    SELECT poll_id, option_id, sum(delta) AS delta
    FROM (
      SELECT poll_id, choice AS option_id, -1 AS delta FROM old_votes, unnest(choices) AS choice
      UNION ALL
      SELECT poll_id, choice, 1 FROM new_votes, unnest(choices) AS choice
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

-- A reset or a deletion takes ballots away: their selections and their voters leave the counts.
-- SECURITY DEFINER: the web role, which resets polls, may delete ballots but never move a count itself.
CREATE FUNCTION count_removed_votes() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM lock_tallies_of(ARRAY(SELECT DISTINCT poll_id FROM old_votes));
  UPDATE tallies AS t SET votes = t.votes - r.removed
  FROM (
    SELECT poll_id, choice AS option_id, count(*) AS removed FROM old_votes, unnest(choices) AS choice
    GROUP BY poll_id, choice
  ) AS r
  WHERE t.poll_id = r.poll_id AND t.option_id = r.option_id;
  UPDATE participants AS p SET voters = p.voters - r.removed
  FROM (SELECT poll_id, count(*) AS removed FROM old_votes GROUP BY poll_id) AS r
  WHERE p.poll_id = r.poll_id;
  RETURN NULL;
END
$$;

CREATE TRIGGER votes_counted_on_delete
  AFTER DELETE ON votes REFERENCING OLD TABLE AS old_votes
  FOR EACH STATEMENT EXECUTE FUNCTION count_removed_votes();

-- migrate:down
DROP TRIGGER votes_counted_on_delete ON votes;
DROP FUNCTION count_removed_votes();
ALTER TABLE tallies DROP CONSTRAINT tallies_poll_id_fkey,
  ADD CONSTRAINT tallies_poll_id_fkey FOREIGN KEY (poll_id) REFERENCES polls (id);
ALTER TABLE votes DROP CONSTRAINT votes_poll_id_fkey,
  ADD CONSTRAINT votes_poll_id_fkey FOREIGN KEY (poll_id) REFERENCES polls (id);
DROP TABLE participants;
ALTER TABLE votes ADD COLUMN option_id text;
UPDATE votes SET option_id = choices[1];
ALTER TABLE votes ALTER COLUMN option_id SET NOT NULL, DROP COLUMN choices, DROP COLUMN revision;
ALTER TABLE polls
  DROP CONSTRAINT polls_revision_check, DROP CONSTRAINT polls_window_check, DROP CONSTRAINT polls_choices_check,
  DROP COLUMN counted_from, DROP COLUMN revision, DROP COLUMN protection, DROP COLUMN closes_at,
  DROP COLUMN opens_at, DROP COLUMN revealed_at, DROP COLUMN results, DROP COLUMN max_choices, DROP COLUMN min_choices;
-- (The trigger functions keep their new bodies; the previous ones are in 20261129000002.)
