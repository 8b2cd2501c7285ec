-- 0011: asking for a healthcare practitioner, and what an HCP directs custody staff to do.
-- Never edit once landed: add a new numbered file instead. All times UTC RFC 3339 text.
--
-- A request for an HCP: anyone asks, with a reason and a priority band (the bands are cited,
-- configurable data in schema/rules/hcp_bands.toml; the band's minutes are copied here so a
-- later change of the bands does not rewrite history). It is open until the HCP's first
-- contact with the person at or after the request (any row of the hcp_activity view), which
-- gives "request to seen"; or until it is withdrawn with a reason (e.g. the person left).
CREATE TABLE hcp_request (
    id             INTEGER PRIMARY KEY,
    detention_id   INTEGER NOT NULL REFERENCES detention (id),
    band           TEXT NOT NULL CHECK (length(band) > 0),
    band_minutes   INTEGER NOT NULL CHECK (band_minutes > 0),
    reason         TEXT NOT NULL CHECK (length(reason) > 0),
    requested_by   TEXT NOT NULL,
    requested_at   TEXT NOT NULL,
    withdrawn_at   TEXT,
    withdrawn_by   TEXT,
    withdrawn_reason TEXT NOT NULL DEFAULT '',
    CHECK (withdrawn_at IS NULL OR length(withdrawn_reason) > 0)
) STRICT;
CREATE INDEX hcp_request_detention ON hcp_request (detention_id, requested_at);
-- Seen is derived, never stored: the first hcp_activity row for the detention at or after
-- requested_at (one truth for the board, the queue and `sonar report`).

-- A direction an HCP gives custody staff, which a custody sergeant must acknowledge
-- (IOPC 2021 and 2026: "re-assess in 1 hour" and "not fit to detain, transfer to hospital"
-- were written down and lost). Kinds: not fit to detain (hospital), re-assess at a time,
-- observe at a level, or another instruction in words.
CREATE TABLE hcp_direction (
    id               INTEGER PRIMARY KEY,
    detention_id     INTEGER NOT NULL REFERENCES detention (id),
    kind             TEXT NOT NULL CHECK (kind IN ('not_fit_hospital', 'reassess_at', 'observe_level', 'instruction')),
    -- For reassess_at: when the HCP will see the person again.
    due_at           TEXT,
    -- For observe_level: the level directed.
    level            INTEGER CHECK (level IS NULL OR level BETWEEN 1 AND 4),
    words            TEXT NOT NULL DEFAULT '',
    given_by         TEXT NOT NULL,
    given_at         TEXT NOT NULL,
    acknowledged_by  TEXT,
    acknowledged_at  TEXT,
    -- A timed re-assessment is done at the HCP's next contact at or after it was given.
    done_at          TEXT,
    CHECK (kind != 'reassess_at' OR due_at IS NOT NULL),
    CHECK (kind != 'observe_level' OR level IS NOT NULL),
    CHECK (kind != 'instruction' OR length(words) > 0)
) STRICT;
CREATE INDEX hcp_direction_detention ON hcp_direction (detention_id, given_at);
CREATE INDEX hcp_direction_unacknowledged ON hcp_direction (detention_id)
    WHERE acknowledged_at IS NULL;
