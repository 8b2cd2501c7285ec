-- 0014: an appropriate adult and an interpreter (PACE Code C 1.4, 1.5, 1.7, 3.15; 3.12 and
-- section 13): that the person needs one and why, when one was asked to come, when they
-- arrived and when they left. Never edit once landed: add a new numbered file instead. All
-- times UTC RFC 3339 text.
--
-- One row per step, never changed or deleted: what the board, the record, `sonar list` and
-- the bundle show is the steps folded in the order they were recorded (`domain::support`),
-- so a correction is a newer row (a language corrected, a request time restated) and the
-- audit chain holds who recorded each.
CREATE TABLE support_event (
    id           INTEGER PRIMARY KEY,
    detention_id INTEGER NOT NULL REFERENCES detention (id),
    kind         TEXT NOT NULL CHECK (kind IN ('appropriate_adult', 'interpreter')),
    step         TEXT NOT NULL CHECK (step IN ('needed', 'requested', 'arrived', 'left')),
    -- For a 'needed' step: why (under 18 or a vulnerable adult; a language, or deaf).
    need         TEXT CHECK (need IS NULL OR need IN ('under_18', 'vulnerable_adult', 'language', 'deaf')),
    -- The reason, or the language (or how a deaf person communicates, e.g. BSL).
    detail       TEXT NOT NULL DEFAULT '',
    -- When the step happened (typed: "now" or HH:MM), and who recorded it when.
    at           TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    CHECK ((step = 'needed') = (need IS NOT NULL)),
    CHECK (need IS NULL OR (need IN ('under_18', 'vulnerable_adult')) = (kind = 'appropriate_adult'))
) STRICT;
CREATE INDEX support_event_detention ON support_event (detention_id, id);
-- Request to arrival by period, for `sonar report`.
CREATE INDEX support_event_at ON support_event (at) WHERE step = 'requested';

CREATE TRIGGER support_event_no_update BEFORE UPDATE ON support_event
BEGIN SELECT RAISE(ABORT, 'read-only: appropriate adult and interpreter steps are never changed; record a newer step'); END;
CREATE TRIGGER support_event_no_delete BEFORE DELETE ON support_event
BEGIN SELECT RAISE(ABORT, 'read-only: appropriate adult and interpreter steps are never deleted'); END;
CREATE TRIGGER handover_freezes_support_event BEFORE INSERT ON support_event
WHEN EXISTS (SELECT 1 FROM handover h WHERE h.detention_id = NEW.detention_id)
BEGIN SELECT RAISE(ABORT, 'read-only: this detention was handed over with a signed bundle, so its record can no longer be changed; record anything new in the receiving record'); END;
