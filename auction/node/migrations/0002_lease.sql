-- The leader lease: one row. A node leads while it holds an unexpired
-- lease; taking an expired one bumps the epoch, and every write of round,
-- award and executor state checks the epoch it was made under.
CREATE TABLE lease (
    one        BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
    holder     TEXT NOT NULL,
    epoch      BIGINT NOT NULL,
    since      TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
