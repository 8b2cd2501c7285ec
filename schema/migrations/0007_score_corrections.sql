-- 0007: a score entered in error takes the flags it raised with it. Each flag raised by a
-- score rule names the score, so marking the score entered in error (with who, when and
-- why; never deleted) marks those flags too, and a mistyped NEWS2 cannot leave a NEWS alert
-- and a level-4 suggestion behind it.
ALTER TABLE flag ADD COLUMN raised_by_score INTEGER REFERENCES clinical_score (id);
CREATE INDEX flag_raised_by_score ON flag (raised_by_score) WHERE raised_by_score IS NOT NULL;
