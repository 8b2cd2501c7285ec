-- 0001: the suite, staff accounts, the audit chain, and the detainee core the board reads.
-- Never edit once landed: add a new numbered file instead.
-- All times are UTC, stored as RFC 3339 text with a trailing 'Z' (sortable as text).

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE staff (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('hcp', 'sergeant', 'detention_officer', 'admin')),
    status        TEXT NOT NULL CHECK (status IN ('active', 'disabled')) DEFAULT 'active',
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;

-- Append-only, hash-chained. row_hash = SHA-256(prev_hash || canonical content); see src/store/audit.rs.
CREATE TABLE audit (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    staff       TEXT NOT NULL,
    action      TEXT NOT NULL,
    subject     TEXT NOT NULL,
    detail      TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    row_hash    TEXT NOT NULL
) STRICT;

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE TABLE person (
    id            INTEGER PRIMARY KEY,
    surname       TEXT NOT NULL,
    forenames     TEXT NOT NULL,
    -- folded (lower case, accents removed) for prefix search
    surname_key   TEXT NOT NULL,
    date_of_birth TEXT,
    sex           TEXT CHECK (sex IN ('male', 'female', 'other', 'unknown')),
    nhs_number    TEXT,
    pnc_id        TEXT,
    created_at    TEXT NOT NULL
) STRICT;
CREATE INDEX person_surname_key ON person (surname_key, forenames);
CREATE INDEX person_nhs ON person (nhs_number) WHERE nhs_number IS NOT NULL;
CREATE INDEX person_pnc ON person (pnc_id) WHERE pnc_id IS NOT NULL;
CREATE INDEX person_dob ON person (date_of_birth);

CREATE TABLE detention (
    id                 INTEGER PRIMARY KEY,
    person_id          INTEGER NOT NULL REFERENCES person (id),
    custody_no         TEXT NOT NULL UNIQUE,
    arrived_at         TEXT NOT NULL,
    authorised_at      TEXT,
    arresting_officer  TEXT NOT NULL DEFAULT '',
    reason             TEXT NOT NULL DEFAULT '',
    cell               TEXT NOT NULL DEFAULT '',
    -- set when the person leaves; a detention with closed_at IS NULL is "in custody now"
    closed_at          TEXT,
    destination        TEXT,
    ready_for_transfer INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX detention_open ON detention (id) WHERE closed_at IS NULL;
CREATE INDEX detention_person ON detention (person_id);

-- Risk flags are never deleted: an error is marked entered-in-error with a reason.
CREATE TABLE flag (
    id                  INTEGER PRIMARY KEY,
    person_id           INTEGER NOT NULL REFERENCES person (id),
    detention_id        INTEGER REFERENCES detention (id),
    code                TEXT NOT NULL,
    severity            TEXT NOT NULL CHECK (severity IN ('information', 'attention', 'warning', 'alert')),
    reason              TEXT NOT NULL CHECK (length(reason) > 0),
    source              TEXT NOT NULL,
    raised_by           TEXT NOT NULL,
    raised_at           TEXT NOT NULL,
    entered_in_error_at TEXT,
    entered_in_error_by TEXT,
    entered_in_error_reason TEXT
) STRICT;
CREATE INDEX flag_detention ON flag (detention_id);
CREATE INDEX flag_person ON flag (person_id);

-- Each change of plan is a new version; the current plan is the newest row.
CREATE TABLE care_plan (
    id               INTEGER PRIMARY KEY,
    detention_id     INTEGER NOT NULL REFERENCES detention (id),
    level            INTEGER NOT NULL CHECK (level BETWEEN 1 AND 4),
    interval_minutes INTEGER CHECK (interval_minutes IS NULL OR interval_minutes > 0),
    rouse            INTEGER NOT NULL DEFAULT 0,
    instructions     TEXT NOT NULL DEFAULT '',
    rationale        TEXT NOT NULL DEFAULT '',
    set_by           TEXT NOT NULL,
    set_at           TEXT NOT NULL
) STRICT;
CREATE INDEX care_plan_detention ON care_plan (detention_id, id);

CREATE TABLE cell_check (
    id           INTEGER PRIMARY KEY,
    detention_id INTEGER NOT NULL REFERENCES detention (id),
    done_at      TEXT NOT NULL,
    done_by      TEXT NOT NULL,
    roused       INTEGER,
    condition    TEXT NOT NULL DEFAULT '',
    note         TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX cell_check_detention ON cell_check (detention_id, done_at);

-- A healthcare practitioner's contact with the detainee (clinical detail lives elsewhere).
CREATE TABLE hcp_contact (
    id           INTEGER PRIMARY KEY,
    detention_id INTEGER NOT NULL REFERENCES detention (id),
    seen_at      TEXT NOT NULL,
    seen_by      TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX hcp_contact_detention ON hcp_contact (detention_id);
