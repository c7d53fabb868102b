-- +goose Up
-- Issue 18. A question states which way its outcome's scale improves, so
-- that an estimate is stored as its source reports it (intervention minus,
-- or over, comparator) and the rating orients it: a pain score 0.56 lower
-- with the therapy is -0.56 on a lower_is_better question. Questions
-- stored before directions existed had their estimates entered so that a
-- higher value favoured the therapy for a benefit and a lower one for a
-- harm: that is the direction they get here (grading.UsualDirection).
ALTER TABLE questions ADD COLUMN direction TEXT NOT NULL DEFAULT 'higher_is_better';
UPDATE questions SET direction = 'lower_is_better' WHERE outcome_kind = 'harm';

-- A frequency claim states how its value is meant: a point ("in 75% of
-- cases"), an upper bound ("rarely": at most 0.001) or a lower bound ("in
-- most cases"). A bounded absence ("almost painless", "rarely") was an
-- absence with a value: it is now a frequency with an upper bound.
ALTER TABLE claims ADD COLUMN claimed_bound TEXT;
UPDATE claims SET claimed_bound = 'point' WHERE assertion = 'frequency' AND claimed_value IS NOT NULL;
UPDATE claims SET assertion = 'frequency', claimed_bound = 'at_most' WHERE assertion = 'absence' AND claimed_value IS NOT NULL;

-- Derived with the rating: the id of the rule that decided it, the facts
-- (grading.VerdictFacts as JSON) the verdict sentence is written from, and
-- what the certainty is about (evidence, or occurrence for case evidence).
-- Empty until the claim is derived again: the store re-derives claims with
-- an empty rating_reason right after migrating (store.MigrateUp).
ALTER TABLE claims ADD COLUMN rating_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE claims ADD COLUMN rating_facts TEXT;
ALTER TABLE claims ADD COLUMN certainty_basis TEXT;

-- +goose Down
ALTER TABLE claims DROP COLUMN certainty_basis;
ALTER TABLE claims DROP COLUMN rating_facts;
ALTER TABLE claims DROP COLUMN rating_reason;
UPDATE claims SET assertion = 'absence' WHERE assertion = 'frequency' AND claimed_bound = 'at_most' AND claim_type = 'safety';
ALTER TABLE claims DROP COLUMN claimed_bound;
ALTER TABLE questions DROP COLUMN direction;
