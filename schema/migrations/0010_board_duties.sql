-- 0010: what the board's duties need recorded.
--
-- A PACE review of detention says what representations the detainee or their solicitor made
-- (PACE 1984 s.40(12)-(14): before deciding, the review officer must give them the opportunity;
-- "none made; asleep, to be told on waking" is an answer) and, when it was done after it was
-- due, why (like a late cell check's late_reason). Reviews recorded before this migration have
-- neither: they read as "not recorded".
ALTER TABLE pace_review ADD COLUMN representations TEXT NOT NULL DEFAULT '';
ALTER TABLE pace_review ADD COLUMN late_reason TEXT NOT NULL DEFAULT '';

-- Booking someone into a cell another person in custody already has needs a reason (checks
-- and rousing are planned per person; a shared cell must be a decision, not a typo).
ALTER TABLE detention ADD COLUMN shared_cell_reason TEXT NOT NULL DEFAULT '';
