-- 0008: the clinical record (src/domain/record): one entry per thing known about a person
-- (allergy, condition, reported medicine, substance use, self-harm, injury, pregnancy,
-- communication need, note), each with who, when and where it came from; reviews of what is
-- "known from" elsewhere; what kind of HCP contact a contact was; and the medicine a
-- prescription confirmed from a screen report.
-- Never edit once landed: add a new numbered file instead.

CREATE TABLE record_entry (
    id            INTEGER PRIMARY KEY,
    person_id     INTEGER NOT NULL REFERENCES person (id),
    -- the detention it was said in; NULL for an entry kept from another organisation's bundle
    detention_id  INTEGER REFERENCES detention (id),
    kind          TEXT NOT NULL,
    -- JSON of domain::record::Fact and domain::record::Origin
    fact          TEXT NOT NULL,
    origin        TEXT NOT NULL,
    answer_id     INTEGER REFERENCES answer (id),
    import_id     INTEGER REFERENCES handover_import (id),
    -- the entry this one reconfirms in a later detention
    from_entry_id INTEGER REFERENCES record_entry (id),
    recorded_by   TEXT NOT NULL,
    recorded_at   TEXT NOT NULL,
    -- set once: superseded by a changed answer, or entered in error (with who and why)
    ended_at      TEXT,
    ended_by      TEXT,
    ended_reason  TEXT,
    CHECK (ended_at IS NULL OR length(ended_reason) > 0)
) STRICT;
CREATE INDEX record_entry_person ON record_entry (person_id, kind) WHERE ended_at IS NULL;
CREATE INDEX record_entry_detention ON record_entry (detention_id) WHERE ended_at IS NULL;

CREATE TRIGGER record_entry_no_delete BEFORE DELETE ON record_entry
BEGIN SELECT RAISE(ABORT, 'record entries are never deleted: mark them entered in error'); END;
CREATE TRIGGER record_entry_end_once BEFORE UPDATE ON record_entry
WHEN OLD.ended_at IS NOT NULL
  OR NEW.id IS NOT OLD.id OR NEW.person_id IS NOT OLD.person_id
  OR NEW.detention_id IS NOT OLD.detention_id OR NEW.kind IS NOT OLD.kind
  OR NEW.fact IS NOT OLD.fact OR NEW.origin IS NOT OLD.origin
  OR NEW.recorded_by IS NOT OLD.recorded_by OR NEW.recorded_at IS NOT OLD.recorded_at
BEGIN SELECT RAISE(ABORT, 'record entries are append-only: only ending one is allowed, once'); END;

-- Something known from an earlier detention or another organisation (domain::record::known),
-- reconfirmed or set aside in this detention. Until then it is shown as "known from".
CREATE TABLE known_review (
    id           INTEGER PRIMARY KEY,
    detention_id INTEGER NOT NULL REFERENCES detention (id),
    subject      TEXT NOT NULL,
    outcome      TEXT NOT NULL CHECK (outcome IN ('reconfirmed', 'set_aside')),
    reason       TEXT NOT NULL DEFAULT '',
    reviewed_by  TEXT NOT NULL,
    reviewed_at  TEXT NOT NULL,
    CHECK (outcome = 'reconfirmed' OR length(reason) > 0),
    UNIQUE (detention_id, subject)
) STRICT;
CREATE TRIGGER known_review_no_update BEFORE UPDATE ON known_review
BEGIN SELECT RAISE(ABORT, 'reviews are append-only'); END;
CREATE TRIGGER known_review_no_delete BEFORE DELETE ON known_review
BEGIN SELECT RAISE(ABORT, 'reviews are append-only'); END;

-- What an HCP contact was: an assessment, a review, or a brief contact.
ALTER TABLE hcp_contact ADD COLUMN kind TEXT NOT NULL DEFAULT 'contact';

-- A medicine prescribed by confirming a reported one: the report it came from.
ALTER TABLE medication ADD COLUMN reported_entry_id INTEGER REFERENCES record_entry (id);

-- Every HCP entry counts as being seen (issue 11): a recorded contact, the health screen,
-- a score, a medicine or dose recorded by an HCP, consent, a fitness decision, a referral, an
-- appointment, or an entry an HCP made on the clinical record. Read per detention (each table
-- is indexed by detention).
CREATE VIEW hcp_activity AS
    SELECT detention_id, seen_at AS at, seen_by AS by_staff, kind AS what FROM hcp_contact
    UNION ALL
    SELECT r.detention_id, a.answered_at, a.answered_by, 'health screen'
      FROM form_response r JOIN answer a ON a.response_id = r.id
      WHERE r.form_id = 'health_screen'
    UNION ALL
    SELECT detention_id, recorded_at, recorded_by, kind FROM clinical_score
      WHERE entered_in_error_at IS NULL
    UNION ALL
    SELECT detention_id, recorded_at, recorded_by, 'medicine' FROM medication
    UNION ALL
    SELECT m.detention_id, d.at, d.by_staff, 'dose'
      FROM medication m JOIN medication_administration d ON d.medication_id = m.id
      JOIN staff s ON s.username = d.by_staff AND s.role = 'hcp'
    UNION ALL
    SELECT detention_id, asked_at, asked_by, 'consent' FROM consent
    UNION ALL
    SELECT detention_id, decided_at, decided_by, 'fitness decision' FROM fitness_decision
    UNION ALL
    SELECT detention_id, made_at, made_by, 'referral' FROM referral
    UNION ALL
    SELECT detention_id, made_at, made_by, 'appointment' FROM appointment
    UNION ALL
    SELECT e.detention_id, e.recorded_at, e.recorded_by, 'record entry'
      FROM record_entry e JOIN staff s ON s.username = e.recorded_by AND s.role = 'hcp'
      WHERE e.detention_id IS NOT NULL AND e.ended_at IS NULL;
