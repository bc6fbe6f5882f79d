-- stakebid store, schema 1: the same records the sled store keeps (JSON,
-- record layout 2), with the indexes as real indexes and the refusals as
-- unique constraints.
CREATE TABLE intents (
    id      BYTEA PRIMARY KEY,
    owner   BYTEA NOT NULL,
    nonce   BYTEA NOT NULL,
    seq     BIGSERIAL NOT NULL,
    status  SMALLINT NOT NULL,
    record  BYTEA NOT NULL,
    CONSTRAINT intents_owner_nonce UNIQUE (owner, nonce)
);
CREATE INDEX intents_by_status ON intents (status, id);
CREATE INDEX intents_by_owner ON intents (owner, seq);

CREATE TABLE auctions (
    id      BIGINT PRIMARY KEY,
    phase   SMALLINT NOT NULL,
    record  BYTEA NOT NULL
);
CREATE INDEX auctions_by_phase ON auctions (phase, id);

CREATE TABLE settlement_txs (
    tx      BYTEA PRIMARY KEY,
    auction BIGINT NOT NULL
);

CREATE TABLE node_state (
    key     TEXT PRIMARY KEY,
    value   BYTEA NOT NULL
);

CREATE TABLE journal (
    name    TEXT NOT NULL,
    key     BYTEA NOT NULL,
    value   BYTEA NOT NULL,
    PRIMARY KEY (name, key)
);
