-- 0002: the healthcare practitioner's clinical record. Append-only like every clinical entry:
-- an error is marked entered-in-error with a reason, never deleted or overwritten.
-- Who may read what is enforced in src/store/clinical.rs (HCP-only columns are never selected
-- for other roles).

-- NEWS2, GCS, CIWA-Ar, COWS, AUDIT-C: inputs as JSON (they differ per score), result columns
-- for trends and rules.
CREATE TABLE clinical_score (
    id                      INTEGER PRIMARY KEY,
    detention_id            INTEGER NOT NULL REFERENCES detention (id),
    kind                    TEXT NOT NULL CHECK (kind IN ('news2', 'gcs', 'ciwa_ar', 'cows', 'audit_c')),
    inputs                  TEXT NOT NULL,
    total                   INTEGER,
    band                    TEXT NOT NULL,
    recorded_by             TEXT NOT NULL,
    recorded_at             TEXT NOT NULL,
    entered_in_error_at     TEXT,
    entered_in_error_by     TEXT,
    entered_in_error_reason TEXT
) STRICT;
CREATE INDEX clinical_score_detention ON clinical_score (detention_id, kind, recorded_at);

CREATE TABLE medication (
    id                   INTEGER PRIMARY KEY,
    detention_id         INTEGER NOT NULL REFERENCES detention (id),
    name                 TEXT NOT NULL CHECK (length(name) > 0),
    dose                 TEXT NOT NULL,
    route                TEXT NOT NULL,
    frequency            TEXT NOT NULL,
    -- when the person says they last took it (before custody)
    last_taken_at        TEXT,
    reason               TEXT NOT NULL DEFAULT '',
    verified_with        TEXT NOT NULL CHECK (verified_with IN ('gp', 'pharmacy', 'not_verified')),
    origin               TEXT NOT NULL CHECK (origin IN ('brought', 'reported', 'prescribed_in_custody')),
    time_critical        TEXT,
    recorded_by          TEXT NOT NULL,
    recorded_at          TEXT NOT NULL,
    stopped_at           TEXT,
    stopped_by           TEXT,
    stopped_reason       TEXT
) STRICT;
CREATE INDEX medication_detention ON medication (detention_id);

CREATE TABLE medication_administration (
    id            INTEGER PRIMARY KEY,
    medication_id INTEGER NOT NULL REFERENCES medication (id),
    at            TEXT NOT NULL,
    outcome       TEXT NOT NULL CHECK (outcome IN ('given', 'declined', 'withheld', 'not_available')),
    reason        TEXT NOT NULL DEFAULT '',
    by_staff      TEXT NOT NULL,
    CHECK (outcome = 'given' OR length(reason) > 0)
) STRICT;
CREATE INDEX medication_administration_medication ON medication_administration (medication_id, at);

CREATE TABLE consent (
    id             INTEGER PRIMARY KEY,
    detention_id   INTEGER NOT NULL REFERENCES detention (id),
    scope          TEXT NOT NULL CHECK (scope IN ('custody_staff', 'receiving_establishment', 'community_treatment', 'liaison_diversion')),
    decision       TEXT NOT NULL CHECK (decision IN ('consents', 'declines', 'lacks_capacity_ask_later')),
    capacity_notes TEXT NOT NULL DEFAULT '',
    asked_by       TEXT NOT NULL,
    asked_at       TEXT NOT NULL
) STRICT;
CREATE INDEX consent_detention ON consent (detention_id, scope, id);

CREATE TABLE fitness_decision (
    id           INTEGER PRIMARY KEY,
    detention_id INTEGER NOT NULL REFERENCES detention (id),
    kind         TEXT NOT NULL CHECK (kind IN ('detain', 'interview', 'transfer_release')),
    fit          INTEGER NOT NULL,
    conditions   TEXT NOT NULL DEFAULT '',
    reason       TEXT NOT NULL CHECK (length(reason) > 0),
    decided_by   TEXT NOT NULL,
    decided_at   TEXT NOT NULL
) STRICT;
CREATE INDEX fitness_decision_detention ON fitness_decision (detention_id, kind, id);

CREATE TABLE referral (
    id                INTEGER PRIMARY KEY,
    detention_id      INTEGER NOT NULL REFERENCES detention (id),
    kind              TEXT NOT NULL CHECK (kind IN ('liaison_diversion', 'drug_alcohol')),
    substance         TEXT NOT NULL DEFAULT '',
    route             TEXT NOT NULL DEFAULT '',
    treatment_history TEXT NOT NULL DEFAULT '',
    reason            TEXT NOT NULL CHECK (length(reason) > 0),
    phone             TEXT,
    address           TEXT NOT NULL DEFAULT '',
    postcode          TEXT,
    no_fixed_abode    INTEGER NOT NULL DEFAULT 0,
    reachable_at      TEXT NOT NULL DEFAULT '',
    made_by           TEXT NOT NULL,
    made_at           TEXT NOT NULL
) STRICT;
CREATE INDEX referral_detention ON referral (detention_id);

CREATE TABLE appointment (
    id           INTEGER PRIMARY KEY,
    detention_id INTEGER NOT NULL REFERENCES detention (id),
    service      TEXT NOT NULL,
    at           TEXT NOT NULL,
    place        TEXT NOT NULL,
    made_by      TEXT NOT NULL,
    made_at      TEXT NOT NULL
) STRICT;
CREATE INDEX appointment_detention ON appointment (detention_id);
