-- 0015: the shift handover taken. Each row is one incoming custody sergeant acknowledging the
-- sheet of what happened since the last handover: who, when, and the period the sheet they read
-- covered (the next sheet starts where this one ended, so nothing that happened while it was
-- being read is lost). Only a custody sergeant takes it (enforced in src/store/shift.rs); the
-- audit row is written in the same transaction. Never edit once landed: add a new numbered file.
-- All times UTC RFC 3339 text.
CREATE TABLE shift_handover (
    id              INTEGER PRIMARY KEY,
    acknowledged_by TEXT NOT NULL CHECK (length(acknowledged_by) > 0),
    acknowledged_at TEXT NOT NULL,
    covered_from    TEXT NOT NULL,
    covered_to      TEXT NOT NULL,
    -- What the sheet counted, in words ("2 arrived · 1 left · …"): what was handed over.
    summary         TEXT NOT NULL DEFAULT '',
    CHECK (covered_from <= covered_to)
) STRICT;
CREATE INDEX shift_handover_covered ON shift_handover (covered_to, id);

-- A handover taken is a record of who took responsibility: never changed, never deleted.
CREATE TRIGGER shift_handover_no_update BEFORE UPDATE ON shift_handover
BEGIN SELECT RAISE(ABORT, 'read-only: a shift handover once taken is never changed'); END;
CREATE TRIGGER shift_handover_no_delete BEFORE DELETE ON shift_handover
BEGIN SELECT RAISE(ABORT, 'read-only: a shift handover once taken is never deleted'); END;
