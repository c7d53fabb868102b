-- +goose Up
-- Issue 18, finding-level rules.
--
-- 1. Case evidence (a harm question without comparator whose finding has
-- no measure) is judged for its WHO-UMC attribution and indirectness: its
-- grade has no GRADE certainty but the agreed attribution and the
-- occurrence certainty derived from it (the certainty that the harm can
-- occur, not how often). Judgements stay JSON (grading.DomainJudgements),
-- so the new assessment fields (sample, relative_effect, attribution)
-- need no column.
ALTER TABLE finding_grades ALTER COLUMN certainty DROP NOT NULL;
ALTER TABLE finding_grades ADD COLUMN occurrence_certainty TEXT;
ALTER TABLE finding_grades ADD COLUMN attribution TEXT;
-- 2. Retraction withdraws: a grade whose level-setting sources are all
-- retracted is withdrawn (kept as history), and reinstated when a
-- retraction is reversed (grading.GradeWithdrawal, derived both ways).
ALTER TABLE finding_grades ADD COLUMN withdrawn_at TIMESTAMPTZ;
ALTER TABLE finding_grades ADD COLUMN withdrawn_reason TEXT;
ALTER TABLE finding_grades ADD CONSTRAINT finding_grades_one_certainty
    CHECK ((certainty IS NULL) <> (occurrence_certainty IS NULL));
ALTER TABLE finding_grades ADD CONSTRAINT finding_grades_attribution
    CHECK ((attribution IS NULL) = (occurrence_certainty IS NULL));
ALTER TABLE finding_grades ADD CONSTRAINT finding_grades_withdrawn
    CHECK ((withdrawn_at IS NULL) = (withdrawn_reason IS NULL));
-- Derived like certainty: the current grade's occurrence certainty.
ALTER TABLE findings ADD COLUMN occurrence_certainty TEXT;

-- 3. A grade decided before this migration on what is now case evidence
-- rated it as an event rate (GRADE domains, no attribution): it no longer
-- fits the rules, so it loses its fingerprint and is stale
-- (grading.GradeIsStale) until its reviewers re-grade it in a new round.
-- Store.MigrateUp recomputes the flags of these findings and re-derives
-- their claims after the migration.
UPDATE finding_grades SET fingerprint = ''
WHERE id IN (SELECT f.grade_id FROM findings f JOIN questions q ON q.id = f.question_id
             WHERE f.grade_id IS NOT NULL AND f.measure IS NULL AND q.comparator_kind = 'none' AND q.outcome_kind = 'harm');

-- 4. The outbox: a withdrawal or reinstatement changes the finding's
-- certainty, so it raises finding.graded like a decided grade
-- (webhook.EventOf).
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION enqueue_webhook_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO webhook_deliveries (webhook_id, audit_id, event_type, state, attempt_count, next_attempt_at, created_at, updated_at)
    SELECT t.webhook_id, a.id, t.event_type, 'pending', 0, a.created_at, a.created_at, a.created_at
    FROM added a
    JOIN webhook_event_types t ON t.event_type = CASE a.action
        WHEN 'claim.rated' THEN 'claim.rated'
        WHEN 'claim.flagged' THEN 'claim.flags_changed'
        WHEN 'finding_grade.decided' THEN 'finding.graded'
        WHEN 'finding_grade.adjudicated' THEN 'finding.graded'
        WHEN 'finding_grade.withdrawn' THEN 'finding.graded'
        WHEN 'finding_grade.reinstated' THEN 'finding.graded'
        WHEN 'source.retracted' THEN 'source.retracted'
    END
    ORDER BY a.id, t.webhook_id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION enqueue_webhook_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO webhook_deliveries (webhook_id, audit_id, event_type, state, attempt_count, next_attempt_at, created_at, updated_at)
    SELECT t.webhook_id, a.id, t.event_type, 'pending', 0, a.created_at, a.created_at, a.created_at
    FROM added a
    JOIN webhook_event_types t ON t.event_type = CASE a.action
        WHEN 'claim.rated' THEN 'claim.rated'
        WHEN 'claim.flagged' THEN 'claim.flags_changed'
        WHEN 'finding_grade.decided' THEN 'finding.graded'
        WHEN 'finding_grade.adjudicated' THEN 'finding.graded'
        WHEN 'source.retracted' THEN 'source.retracted'
    END
    ORDER BY a.id, t.webhook_id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
ALTER TABLE findings DROP COLUMN occurrence_certainty;
ALTER TABLE finding_grades DROP CONSTRAINT finding_grades_withdrawn;
ALTER TABLE finding_grades DROP CONSTRAINT finding_grades_attribution;
ALTER TABLE finding_grades DROP CONSTRAINT finding_grades_one_certainty;
ALTER TABLE finding_grades DROP COLUMN withdrawn_reason;
ALTER TABLE finding_grades DROP COLUMN withdrawn_at;
-- A case-evidence grade keeps its occurrence certainty as its certainty
-- (the older schema has no other place for it).
UPDATE finding_grades SET certainty = occurrence_certainty WHERE certainty IS NULL;
ALTER TABLE finding_grades DROP COLUMN attribution;
ALTER TABLE finding_grades DROP COLUMN occurrence_certainty;
ALTER TABLE finding_grades ALTER COLUMN certainty SET NOT NULL;
