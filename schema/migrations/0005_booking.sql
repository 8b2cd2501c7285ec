-- 0005: booking-in. Form responses and their answers (append-only: a change is a new version
-- with who, when and why), flags raised by rules with the answer that raised them, banner
-- acknowledgements, and the custody number serials.
-- Never edit once landed: add a new numbered file instead.

-- One form filled in for one detention. Never updated: completion is its own row below.
CREATE TABLE form_response (
    id           INTEGER PRIMARY KEY,
    detention_id INTEGER NOT NULL REFERENCES detention (id),
    form_id      TEXT NOT NULL,
    started_by   TEXT NOT NULL,
    started_at   TEXT NOT NULL,
    UNIQUE (detention_id, form_id)
) STRICT;

-- Every answer ever given. The current answer to a question is its newest row; older rows
-- are the history. `value` is JSON (see src/domain/form.rs, AnswerValue).
CREATE TABLE answer (
    id           INTEGER PRIMARY KEY,
    response_id  INTEGER NOT NULL REFERENCES form_response (id),
    question_id  TEXT NOT NULL,
    version      INTEGER NOT NULL CHECK (version >= 1),
    value        TEXT NOT NULL,
    details      TEXT,
    answered_by  TEXT NOT NULL,
    answered_at  TEXT NOT NULL,
    -- why it changed: required for an amendment after the form was completed
    reason       TEXT,
    UNIQUE (response_id, question_id, version)
) STRICT;
CREATE INDEX answer_response ON answer (response_id, question_id, version);

-- Completion (and completion again after amendments): who and when.
CREATE TABLE form_completion (
    id           INTEGER PRIMARY KEY,
    response_id  INTEGER NOT NULL REFERENCES form_response (id),
    completed_by TEXT NOT NULL,
    completed_at TEXT NOT NULL
) STRICT;
CREATE INDEX form_completion_response ON form_completion (response_id);

-- The officer saw the "already known" banner for this detention.
CREATE TABLE banner_ack (
    id              INTEGER PRIMARY KEY,
    detention_id    INTEGER NOT NULL REFERENCES detention (id),
    acknowledged_by TEXT NOT NULL,
    acknowledged_at TEXT NOT NULL,
    flags_shown     INTEGER NOT NULL
) STRICT;
CREATE INDEX banner_ack_detention ON banner_ack (detention_id);

-- Folded forenames (as surname_key) so a surname and forename search seeks the index for
-- each surname in the prefix's range instead of scanning every person with that surname.
-- Rows from before this migration get lower(): the program writes the full fold.
ALTER TABLE person ADD COLUMN forename_key TEXT NOT NULL DEFAULT '';
UPDATE person SET forename_key = lower(forenames);
CREATE INDEX person_name_keys ON person (surname_key, forename_key);

-- Person search by date of birth (alone or with a surname prefix) in name order, without
-- sorting or reading rows it will not show; supersedes the plain date-of-birth index.
CREATE INDEX person_dob_name ON person (date_of_birth, surname_key, forename_key);
DROP INDEX person_dob;

-- The last serial handed out per year, for custody numbers.
CREATE TABLE custody_serial (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
) STRICT;

-- Which rule raised a flag and from which answer (NULL for a flag added by hand).
ALTER TABLE flag ADD COLUMN rule_id TEXT;
ALTER TABLE flag ADD COLUMN answer_id INTEGER REFERENCES answer (id);
CREATE INDEX flag_rule ON flag (detention_id, rule_id) WHERE rule_id IS NOT NULL;

CREATE TRIGGER form_response_no_update BEFORE UPDATE ON form_response
BEGIN SELECT RAISE(ABORT, 'form responses are append-only'); END;
CREATE TRIGGER form_response_no_delete BEFORE DELETE ON form_response
BEGIN SELECT RAISE(ABORT, 'form responses are append-only'); END;
CREATE TRIGGER answer_no_update BEFORE UPDATE ON answer
BEGIN SELECT RAISE(ABORT, 'answers are append-only: record a new version'); END;
CREATE TRIGGER answer_no_delete BEFORE DELETE ON answer
BEGIN SELECT RAISE(ABORT, 'answers are append-only: record a new version'); END;
CREATE TRIGGER form_completion_no_update BEFORE UPDATE ON form_completion
BEGIN SELECT RAISE(ABORT, 'completions are append-only'); END;
CREATE TRIGGER form_completion_no_delete BEFORE DELETE ON form_completion
BEGIN SELECT RAISE(ABORT, 'completions are append-only'); END;
CREATE TRIGGER banner_ack_no_change BEFORE UPDATE ON banner_ack
BEGIN SELECT RAISE(ABORT, 'acknowledgements are append-only'); END;
-- A flag is never deleted; the only change allowed is marking it entered in error, once.
CREATE TRIGGER flag_no_delete BEFORE DELETE ON flag
BEGIN SELECT RAISE(ABORT, 'flags are never deleted: mark the flag entered in error with a reason'); END;
CREATE TRIGGER flag_only_marked_in_error BEFORE UPDATE ON flag
WHEN OLD.entered_in_error_at IS NOT NULL
  OR NEW.code IS NOT OLD.code OR NEW.severity IS NOT OLD.severity OR NEW.reason IS NOT OLD.reason
  OR NEW.source IS NOT OLD.source OR NEW.raised_by IS NOT OLD.raised_by
  OR NEW.raised_at IS NOT OLD.raised_at OR NEW.person_id IS NOT OLD.person_id
  OR NEW.detention_id IS NOT OLD.detention_id OR NEW.rule_id IS NOT OLD.rule_id
  OR NEW.answer_id IS NOT OLD.answer_id
  OR NEW.entered_in_error_reason IS NULL OR length(trim(NEW.entered_in_error_reason)) = 0
BEGIN SELECT RAISE(ABORT, 'a flag may only be marked entered in error, once, with a reason'); END;
