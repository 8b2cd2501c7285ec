-- 0016: booking duties. A sergeant may record why the health screen cannot be done now
-- (PACE Code C 9; the person is asleep, intoxicated, or no HCP is on duty): the screen is then
-- no longer outstanding, and the reason travels. Append-only: a later HCP screen supersedes it.
-- Never edit once landed: add a new numbered file instead.

CREATE TABLE health_screen_deferral (
    id           INTEGER PRIMARY KEY,
    detention_id INTEGER NOT NULL REFERENCES detention (id),
    reason       TEXT NOT NULL CHECK (length(reason) > 0),
    deferred_by  TEXT NOT NULL,
    deferred_at  TEXT NOT NULL
) STRICT;
CREATE INDEX health_screen_deferral_detention ON health_screen_deferral (detention_id);

-- Supervised self-administration (PACE Code C 9.10): an HCP marks a person's own medicine
-- (an inhaler, an anti-epileptic) as one custody staff may supervise them taking. Append-only:
-- the newest row for a medicine says whether it is allowed now.
CREATE TABLE self_administration (
    id            INTEGER PRIMARY KEY,
    medication_id INTEGER NOT NULL REFERENCES medication (id),
    allowed       INTEGER NOT NULL CHECK (allowed IN (0, 1)),
    decided_by    TEXT NOT NULL,
    decided_at    TEXT NOT NULL
) STRICT;
CREATE INDEX self_administration_medication ON self_administration (medication_id, id);

-- A dose the person took themselves with custody staff watching: by_staff is the supervisor.
ALTER TABLE medication_administration ADD COLUMN supervised INTEGER NOT NULL DEFAULT 0;
