-- 0003: care plan versions with the suggested level they were set against, Annex H rousing
-- responses on cell checks, emergency escalations, and PACE reviews and extensions.
-- Never edit once landed: add a new numbered file instead. All times UTC RFC 3339 text.

-- The interval as the Person Escort Record names it (hourly, every_30_minutes, constant_cctv,
-- alternative...), with the details of an alternative plan; the level the rules suggested when
-- this version was set and why; whether the plan follows an HCP's recommendation.
ALTER TABLE care_plan ADD COLUMN interval_kind TEXT;
ALTER TABLE care_plan ADD COLUMN interval_details TEXT NOT NULL DEFAULT '';
ALTER TABLE care_plan ADD COLUMN suggested_level INTEGER CHECK (suggested_level IS NULL OR suggested_level BETWEEN 1 AND 4);
ALTER TABLE care_plan ADD COLUMN suggested_because TEXT NOT NULL DEFAULT '';
ALTER TABLE care_plan ADD COLUMN hcp_recommended INTEGER NOT NULL DEFAULT 0;

-- A visit (with the Annex H responses when the plan asks for rousing) or, for constant
-- observation, a periodic written entry. recorded_at is when it was typed; done_at may be up to
-- 15 minutes earlier, with late_reason saying why.
ALTER TABLE cell_check ADD COLUMN kind TEXT NOT NULL DEFAULT 'visit' CHECK (kind IN ('visit', 'written_entry'));
ALTER TABLE cell_check ADD COLUMN responds_to_questions INTEGER;
ALTER TABLE cell_check ADD COLUMN responds_to_commands INTEGER;
ALTER TABLE cell_check ADD COLUMN recorded_at TEXT;
ALTER TABLE cell_check ADD COLUMN late_reason TEXT NOT NULL DEFAULT '';

-- A medical emergency raised by a check ("could not be roused" or any "no"): open until
-- someone records the outcome. Shown full-screen on every terminal showing the board.
CREATE TABLE escalation (
    id            INTEGER PRIMARY KEY,
    detention_id  INTEGER NOT NULL REFERENCES detention (id),
    check_id      INTEGER REFERENCES cell_check (id),
    opened_at     TEXT NOT NULL,
    opened_by     TEXT NOT NULL,
    reason        TEXT NOT NULL CHECK (length(reason) > 0),
    called_by     TEXT,
    called_at     TEXT,
    outcome       TEXT,
    closed_at     TEXT,
    closed_by     TEXT
) STRICT;
CREATE INDEX escalation_open ON escalation (id) WHERE closed_at IS NULL;

-- PACE s.40 reviews of detention and s.42-44 extensions.
CREATE TABLE pace_review (
    id           INTEGER PRIMARY KEY,
    detention_id INTEGER NOT NULL REFERENCES detention (id),
    reviewed_at  TEXT NOT NULL,
    reviewed_by  TEXT NOT NULL,
    outcome      TEXT NOT NULL CHECK (length(outcome) > 0),
    recorded_by  TEXT NOT NULL,
    recorded_at  TEXT NOT NULL
) STRICT;
CREATE INDEX pace_review_detention ON pace_review (detention_id, reviewed_at);

CREATE TABLE pace_extension (
    id            INTEGER PRIMARY KEY,
    detention_id  INTEGER NOT NULL REFERENCES detention (id),
    kind          TEXT NOT NULL CHECK (kind IN ('superintendent', 'warrant')),
    authorised_at TEXT NOT NULL,
    until         TEXT NOT NULL,
    authorised_by TEXT NOT NULL,
    recorded_by   TEXT NOT NULL,
    recorded_at   TEXT NOT NULL
) STRICT;
CREATE INDEX pace_extension_detention ON pace_extension (detention_id);

-- An HCP's recommended care plan, waiting for the sergeant to accept it (accepted_plan_id set
-- when a plan version is set from it).
CREATE TABLE care_recommendation (
    id               INTEGER PRIMARY KEY,
    detention_id     INTEGER NOT NULL REFERENCES detention (id),
    level            INTEGER NOT NULL CHECK (level BETWEEN 1 AND 4),
    interval_kind    TEXT NOT NULL,
    rouse            INTEGER NOT NULL,
    instructions     TEXT NOT NULL DEFAULT '',
    rationale        TEXT NOT NULL DEFAULT '',
    recommended_by   TEXT NOT NULL,
    recommended_at   TEXT NOT NULL,
    accepted_plan_id INTEGER REFERENCES care_plan (id)
) STRICT;
CREATE INDEX care_recommendation_detention ON care_recommendation (detention_id, id);
