-- 0006: custody decisions (charge, bail decision, release or transfer decided). Append-only:
-- each one makes a care-plan review due until a newer care-plan version is set.
-- Never edit once landed: add a new numbered file instead. All times UTC RFC 3339 text.

CREATE TABLE custody_decision (
    id           INTEGER PRIMARY KEY,
    detention_id INTEGER NOT NULL REFERENCES detention (id),
    kind         TEXT NOT NULL CHECK (kind IN ('charged', 'bail_refused', 'bailed', 'release_decided', 'transfer_decided')),
    decided_at   TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX custody_decision_detention ON custody_decision (detention_id, decided_at);

CREATE TRIGGER custody_decision_no_update BEFORE UPDATE ON custody_decision
BEGIN
    SELECT RAISE(ABORT, 'custody decisions are append-only');
END;
CREATE TRIGGER custody_decision_no_delete BEFORE DELETE ON custody_decision
BEGIN
    SELECT RAISE(ABORT, 'custody decisions are append-only');
END;
CREATE TRIGGER handover_freezes_custody_decision BEFORE INSERT ON custody_decision
WHEN EXISTS (SELECT 1 FROM handover h WHERE h.detention_id = NEW.detention_id)
BEGIN SELECT RAISE(ABORT, 'read-only: this detention was handed over with a signed bundle, so its record can no longer be changed; record anything new in the receiving record'); END;
