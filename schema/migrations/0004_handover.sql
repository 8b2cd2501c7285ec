-- 0004: signed handover bundles. The suite's Ed25519 signing keys, the record of each
-- handover (which closes its detention and makes it read-only), and bundles imported from
-- other suites. Never edit once landed: add a new numbered file instead.

-- The suite's signing keys, inside the encrypted database. The newest row with
-- retired_at IS NULL signs; retired keys keep their public half (the secret is wiped) so
-- bundles signed before a rotation still verify.
CREATE TABLE signing_key (
    id          INTEGER PRIMARY KEY,
    kid         TEXT NOT NULL UNIQUE,   -- RFC 7638 JWK thumbprint (SHA-256, base64url)
    public_key  BLOB NOT NULL CHECK (length(public_key) = 32),
    secret_key  BLOB CHECK (secret_key IS NULL OR length(secret_key) = 32),
    created_at  TEXT NOT NULL,
    retired_at  TEXT
) STRICT;

-- One row per handover: exporting closes the detention and records where the person went.
CREATE TABLE handover (
    id                INTEGER PRIMARY KEY,
    detention_id      INTEGER NOT NULL UNIQUE REFERENCES detention (id),
    destination       TEXT NOT NULL CHECK (destination IN ('court', 'prison', 'hospital', 'suite', 'release')),
    receiving_org     TEXT NOT NULL DEFAULT '',
    receiving_officer TEXT NOT NULL DEFAULT '',
    handed_over_at    TEXT NOT NULL,
    handed_over_by    TEXT NOT NULL,
    bundle_id         TEXT NOT NULL UNIQUE,
    bundle_sha256     TEXT NOT NULL,
    kid               TEXT NOT NULL
) STRICT;

-- A handed-over detention's record is read-only: the signed bundle is its true record.
-- The messages start with "read-only:" so the store can give them as plain sentences.
CREATE TRIGGER handover_freezes_detention BEFORE UPDATE ON detention
WHEN EXISTS (SELECT 1 FROM handover h WHERE h.detention_id = OLD.id)
BEGIN SELECT RAISE(ABORT, 'read-only: this detention was handed over with a signed bundle, so its record can no longer be changed; record anything new in the receiving record'); END;
CREATE TRIGGER handover_freezes_flag BEFORE INSERT ON flag
WHEN EXISTS (SELECT 1 FROM handover h WHERE h.detention_id = NEW.detention_id)
BEGIN SELECT RAISE(ABORT, 'read-only: this detention was handed over with a signed bundle, so its record can no longer be changed; record anything new in the receiving record'); END;
CREATE TRIGGER handover_freezes_flag_update BEFORE UPDATE ON flag
WHEN EXISTS (SELECT 1 FROM handover h WHERE h.detention_id = OLD.detention_id)
BEGIN SELECT RAISE(ABORT, 'read-only: this detention was handed over with a signed bundle, so its record can no longer be changed; record anything new in the receiving record'); END;
CREATE TRIGGER handover_freezes_care_plan BEFORE INSERT ON care_plan
WHEN EXISTS (SELECT 1 FROM handover h WHERE h.detention_id = NEW.detention_id)
BEGIN SELECT RAISE(ABORT, 'read-only: this detention was handed over with a signed bundle, so its record can no longer be changed; record anything new in the receiving record'); END;
CREATE TRIGGER handover_freezes_cell_check BEFORE INSERT ON cell_check
WHEN EXISTS (SELECT 1 FROM handover h WHERE h.detention_id = NEW.detention_id)
BEGIN SELECT RAISE(ABORT, 'read-only: this detention was handed over with a signed bundle, so its record can no longer be changed; record anything new in the receiving record'); END;
CREATE TRIGGER handover_freezes_hcp_contact BEFORE INSERT ON hcp_contact
WHEN EXISTS (SELECT 1 FROM handover h WHERE h.detention_id = NEW.detention_id)
BEGIN SELECT RAISE(ABORT, 'read-only: this detention was handed over with a signed bundle, so its record can no longer be changed; record anything new in the receiving record'); END;
-- The clinical record (0002) and the care record (0003) freeze with the detention too.
CREATE TRIGGER handover_freezes_clinical_score BEFORE INSERT ON clinical_score
WHEN EXISTS (SELECT 1 FROM handover h WHERE h.detention_id = NEW.detention_id)
BEGIN SELECT RAISE(ABORT, 'read-only: this detention was handed over with a signed bundle, so its record can no longer be changed; record anything new in the receiving record'); END;
CREATE TRIGGER handover_freezes_medication BEFORE INSERT ON medication
WHEN EXISTS (SELECT 1 FROM handover h WHERE h.detention_id = NEW.detention_id)
BEGIN SELECT RAISE(ABORT, 'read-only: this detention was handed over with a signed bundle, so its record can no longer be changed; record anything new in the receiving record'); END;
CREATE TRIGGER handover_freezes_consent BEFORE INSERT ON consent
WHEN EXISTS (SELECT 1 FROM handover h WHERE h.detention_id = NEW.detention_id)
BEGIN SELECT RAISE(ABORT, 'read-only: this detention was handed over with a signed bundle, so its record can no longer be changed; record anything new in the receiving record'); END;
CREATE TRIGGER handover_freezes_fitness_decision BEFORE INSERT ON fitness_decision
WHEN EXISTS (SELECT 1 FROM handover h WHERE h.detention_id = NEW.detention_id)
BEGIN SELECT RAISE(ABORT, 'read-only: this detention was handed over with a signed bundle, so its record can no longer be changed; record anything new in the receiving record'); END;
CREATE TRIGGER handover_freezes_referral BEFORE INSERT ON referral
WHEN EXISTS (SELECT 1 FROM handover h WHERE h.detention_id = NEW.detention_id)
BEGIN SELECT RAISE(ABORT, 'read-only: this detention was handed over with a signed bundle, so its record can no longer be changed; record anything new in the receiving record'); END;
CREATE TRIGGER handover_freezes_appointment BEFORE INSERT ON appointment
WHEN EXISTS (SELECT 1 FROM handover h WHERE h.detention_id = NEW.detention_id)
BEGIN SELECT RAISE(ABORT, 'read-only: this detention was handed over with a signed bundle, so its record can no longer be changed; record anything new in the receiving record'); END;
CREATE TRIGGER handover_freezes_pace_review BEFORE INSERT ON pace_review
WHEN EXISTS (SELECT 1 FROM handover h WHERE h.detention_id = NEW.detention_id)
BEGIN SELECT RAISE(ABORT, 'read-only: this detention was handed over with a signed bundle, so its record can no longer be changed; record anything new in the receiving record'); END;
CREATE TRIGGER handover_freezes_pace_extension BEFORE INSERT ON pace_extension
WHEN EXISTS (SELECT 1 FROM handover h WHERE h.detention_id = NEW.detention_id)
BEGIN SELECT RAISE(ABORT, 'read-only: this detention was handed over with a signed bundle, so its record can no longer be changed; record anything new in the receiving record'); END;
CREATE TRIGGER handover_freezes_care_recommendation BEFORE INSERT ON care_recommendation
WHEN EXISTS (SELECT 1 FROM handover h WHERE h.detention_id = NEW.detention_id)
BEGIN SELECT RAISE(ABORT, 'read-only: this detention was handed over with a signed bundle, so its record can no longer be changed; record anything new in the receiving record'); END;
CREATE TRIGGER handover_freezes_medication_administration BEFORE INSERT ON medication_administration
WHEN EXISTS (SELECT 1 FROM handover h JOIN medication m ON m.detention_id = h.detention_id WHERE m.id = NEW.medication_id)
BEGIN SELECT RAISE(ABORT, 'read-only: this detention was handed over with a signed bundle, so its record can no longer be changed; record anything new in the receiving record'); END;
CREATE TRIGGER handover_append_only BEFORE DELETE ON handover
BEGIN SELECT RAISE(ABORT, 'read-only: a handover record is never deleted'); END;

-- Bundles imported from other suites: imported once (by Bundle.identifier), all or nothing.
CREATE TABLE handover_import (
    id            INTEGER PRIMARY KEY,
    bundle_system TEXT NOT NULL,
    bundle_id     TEXT NOT NULL,
    payload_sha256 TEXT NOT NULL,
    source_suite  TEXT NOT NULL,
    signed_at     TEXT NOT NULL,
    kid           TEXT NOT NULL,
    person_id     INTEGER NOT NULL REFERENCES person (id),
    imported_at   TEXT NOT NULL,
    imported_by   TEXT NOT NULL,
    UNIQUE (bundle_system, bundle_id)
) STRICT;

-- What an imported bundle said that has no table of its own yet (the care plan, the
-- custody episode): shown as "known from <suite>, <date>".
CREATE TABLE imported_note (
    id          INTEGER PRIMARY KEY,
    import_id   INTEGER NOT NULL REFERENCES handover_import (id),
    person_id   INTEGER NOT NULL REFERENCES person (id),
    kind        TEXT NOT NULL,
    text        TEXT NOT NULL
) STRICT;
CREATE INDEX imported_note_person ON imported_note (person_id);
