-- 0017: the national record (issue 15). A suite joins one national record (its URL, the
-- record's public key pinned at joining, and the CA that signs its TLS certificate), and every
-- handover's signed bundle is queued in the outbox in the same transaction that records the
-- handover, so no handover exists without its place in the queue. Any running terminal (or
-- `sonar send` from a timer) claims one entry at a time for a short lease, submits it, and
-- records the record's receipt or why it failed and when to try again.
-- Never edit once landed: add a new numbered file instead.

CREATE TABLE national_membership (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    url          TEXT NOT NULL CHECK (length(url) > 0),
    -- The record's public key (a JWK), pinned: the published directory must verify with it.
    record_key   TEXT NOT NULL,
    -- PEM of the CA that signs the record's TLS certificate; NULL for plain HTTP on loopback.
    ca_pem       TEXT,
    joined_at    TEXT NOT NULL,
    joined_by    TEXT NOT NULL,
    -- Set at the first failed contact, cleared at the next success: "unreachable since".
    unreachable_since TEXT,
    last_problem TEXT
) STRICT;

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    handover_id     INTEGER NOT NULL UNIQUE REFERENCES handover (id),
    bundle_id       TEXT NOT NULL UNIQUE,
    -- The signed bundle's bytes exactly as written to the export folder.
    bundle          BLOB NOT NULL,
    queued_at       TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at TEXT NOT NULL,
    -- The terminal that took the entry and until when (a lease: a terminal that dies mid-send
    -- leaves it to the next one once the lease ends; the record answers a resend with the
    -- first receipt, so nothing is stored twice).
    claimed_by      TEXT,
    claimed_until   TEXT,
    last_attempt_at TEXT,
    last_error      TEXT,
    accepted_at     TEXT,
    receipt_document TEXT,
    receipt_received_at TEXT
) STRICT;
CREATE INDEX outbox_waiting ON outbox (next_attempt_at) WHERE accepted_at IS NULL;
