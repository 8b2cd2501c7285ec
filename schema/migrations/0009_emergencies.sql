-- 0009: the emergency as a record of its own (DESIGN.md, "Data rules"): what raised it and
-- where, every call made in response, each terminal's acknowledgement, and a structured outcome
-- with its time, closed only by a sergeant or an HCP (enforced in src/store/emergency.rs).
-- Also the wall-board role: an account for the suite's big screen that sees the board and
-- emergencies only. Never edit once landed: add a new numbered file instead.

ALTER TABLE escalation ADD COLUMN cause TEXT NOT NULL DEFAULT 'failed_rousing'
    CHECK (cause IN ('failed_rousing', 'score_rule', 'raised_by_hand'));
ALTER TABLE escalation ADD COLUMN location TEXT NOT NULL DEFAULT '';
ALTER TABLE escalation ADD COLUMN outcome_kind TEXT CHECK (outcome_kind IS NULL OR outcome_kind IN
    ('roused_on_recheck', 'hcp_attended', 'ambulance_attended', 'taken_to_hospital', 'died', 'other'));
ALTER TABLE escalation ADD COLUMN outcome_at TEXT;
ALTER TABLE escalation ADD COLUMN outcome_note TEXT NOT NULL DEFAULT '';

-- Emergencies opened before this version: those without a check came from a score rule; the
-- cell is the detention's; a free-text outcome becomes "other" with its words.
UPDATE escalation SET cause = 'score_rule' WHERE check_id IS NULL;
UPDATE escalation SET location = coalesce((SELECT cell FROM detention d WHERE d.id = escalation.detention_id), '');
UPDATE escalation SET outcome_kind = 'other', outcome_at = closed_at, outcome_note = outcome
    WHERE closed_at IS NOT NULL;

-- Each call made in response: 999/ambulance or the HCP, who made it and when. Before this
-- version only "who called" was kept, so those calls say "unrecorded" for the kind.
CREATE TABLE emergency_call (
    id            INTEGER PRIMARY KEY,
    escalation_id INTEGER NOT NULL REFERENCES escalation (id),
    kind          TEXT NOT NULL CHECK (kind IN ('ambulance', 'hcp', 'unrecorded')),
    called_by     TEXT NOT NULL CHECK (length(called_by) > 0),
    called_at     TEXT NOT NULL,
    recorded_by   TEXT NOT NULL,
    recorded_at   TEXT NOT NULL
) STRICT;
CREATE INDEX emergency_call_escalation ON emergency_call (escalation_id);
INSERT INTO emergency_call (escalation_id, kind, called_by, called_at, recorded_by, recorded_at)
    SELECT id, 'unrecorded', called_by, called_at, opened_by, called_at FROM escalation
    WHERE called_by IS NOT NULL AND called_at IS NOT NULL;

-- Acknowledged on a terminal (which stops that terminal's bell), by whom.
CREATE TABLE emergency_ack (
    id            INTEGER PRIMARY KEY,
    escalation_id INTEGER NOT NULL REFERENCES escalation (id),
    terminal      TEXT NOT NULL,
    username      TEXT NOT NULL,
    at            TEXT NOT NULL
) STRICT;
CREATE INDEX emergency_ack_escalation ON emergency_ack (escalation_id);
CREATE INDEX escalation_detention ON escalation (detention_id);

-- The wall-board role. SQLite cannot change a CHECK, so the table is rebuilt; the view that
-- reads it is dropped first and recreated unchanged (a rename checks every view).
DROP VIEW hcp_activity;
CREATE TABLE staff_new (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('hcp', 'sergeant', 'detention_officer', 'admin', 'wall_board')),
    status        TEXT NOT NULL CHECK (status IN ('active', 'disabled')) DEFAULT 'active',
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;
INSERT INTO staff_new SELECT id, username, display_name, role, status, created_at, updated_at FROM staff;
DROP TABLE staff;
ALTER TABLE staff_new RENAME TO staff;
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
