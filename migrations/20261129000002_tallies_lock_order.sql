-- migrate:up

-- Two writers moving counts in opposite directions (one a -> b, the other
-- b -> a) used to lock the same tallies rows in opposite orders and deadlock
-- (PostgreSQL then aborts one, and the consumer retries its batch). Both
-- triggers now first take a transaction-level advisory lock per poll, in poll
-- order: the tallies work of one poll is done by one transaction at a time,
-- while the upserts into votes, the bulk of a batch, still run side by side.
CREATE OR REPLACE FUNCTION lock_tallies_of(polls text[]) RETURNS void LANGUAGE sql AS $$
  SELECT pg_advisory_xact_lock(hashtextextended('tallies:' || poll_id, 0))
  FROM (SELECT DISTINCT unnest(polls) AS poll_id ORDER BY 1) AS ordered;
$$;

CREATE OR REPLACE FUNCTION count_new_votes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM lock_tallies_of(ARRAY(SELECT DISTINCT poll_id FROM new_votes));
  INSERT INTO tallies AS t (poll_id, option_id, votes)
  SELECT poll_id, option_id, count(*) FROM new_votes
  GROUP BY poll_id, option_id
  ORDER BY poll_id, option_id
  ON CONFLICT (poll_id, option_id) DO UPDATE SET votes = t.votes + excluded.votes;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION count_changed_votes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM lock_tallies_of(ARRAY(SELECT DISTINCT poll_id FROM new_votes));
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

-- migrate:down
DROP FUNCTION lock_tallies_of(text[]);
-- (The functions keep their new bodies; the previous ones are in 20261126000001.)
