-- migrate:up

-- Polls anyone can create. The vote path reads them from Redis; this table is
-- the record: created, closed and reopened here first. Options keep their order.
CREATE TABLE polls (
  id                text        PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,64}$'),
  question          text        NOT NULL CHECK (char_length(question) BETWEEN 1 AND 200),
  options           jsonb       NOT NULL CHECK (jsonb_typeof(options) = 'array'),
  status            text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
  -- SHA-256 of the manage token, hex; NULL for the default poll, which no one manages.
  manage_token_hash text,
  -- Salt of the voter hashes in the ballots export, so an export can't be joined to cookies.
  voter_salt        bytea       NOT NULL DEFAULT convert_to(gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8'),
  created_at        timestamptz NOT NULL DEFAULT now(),
  closed_at         timestamptz
);

-- Every poll that already has votes gets its row (start-up rewrites the default
-- poll's question and options from OPTION_A and OPTION_B).
INSERT INTO polls (id, question, options)
SELECT poll_id, 'Poll ' || poll_id, '[]'::jsonb
FROM (SELECT poll_id FROM votes UNION SELECT poll_id FROM tallies UNION SELECT 'default') AS known
ON CONFLICT (id) DO NOTHING;
UPDATE polls SET question = 'Cats or Dogs?',
                 options = '[{"id": "a", "label": "Cats"}, {"id": "b", "label": "Dogs"}]'
WHERE id = 'default' AND options = '[]'::jsonb;

ALTER TABLE votes ADD CONSTRAINT votes_poll_id_fkey FOREIGN KEY (poll_id) REFERENCES polls (id);
ALTER TABLE tallies ADD CONSTRAINT tallies_poll_id_fkey FOREIGN KEY (poll_id) REFERENCES polls (id);

-- migrate:down
ALTER TABLE tallies DROP CONSTRAINT tallies_poll_id_fkey;
ALTER TABLE votes DROP CONSTRAINT votes_poll_id_fkey;
DROP TABLE polls;
