-- +goose Up
-- Issue 18, finding-level rules (see the PostgreSQL migration for the
-- why of each part).
--
-- 1 and 2. finding_grades: certainty becomes nullable (case evidence has
-- an occurrence certainty instead), with the agreed attribution and the
-- withdrawal of a grade whose level-setting sources are all retracted.
-- SQLite cannot drop NOT NULL in place, so the table is rebuilt. No
-- foreign key refers to finding_grades (findings.grade_id has none on
-- SQLite, see 00007), so it can be dropped with foreign keys on.
CREATE TABLE finding_grades_new (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    finding_id           BIGINT NOT NULL REFERENCES findings (id),
    certainty            TEXT,
    occurrence_certainty TEXT,
    attribution          TEXT,
    judgements           TEXT NOT NULL,
    method               TEXT NOT NULL,
    rationale            TEXT NOT NULL DEFAULT '',
    decided_by_id        BIGINT REFERENCES users (id),
    decided_by           TEXT NOT NULL,
    decided_at           DATETIME NOT NULL,
    assessment_ids       TEXT NOT NULL,
    -- grading.Body.Fingerprint of the body the grade was decided on: the
    -- grade is stale when the body's fingerprint differs now.
    fingerprint          TEXT NOT NULL,
    derivation           TEXT NOT NULL,
    withdrawn_at         DATETIME,
    withdrawn_reason     TEXT,
    CHECK ((certainty IS NULL) <> (occurrence_certainty IS NULL)),
    CHECK ((attribution IS NULL) = (occurrence_certainty IS NULL)),
    CHECK ((withdrawn_at IS NULL) = (withdrawn_reason IS NULL))
);
INSERT INTO finding_grades_new (id, finding_id, certainty, judgements, method, rationale, decided_by_id, decided_by, decided_at,
    assessment_ids, fingerprint, derivation)
SELECT id, finding_id, certainty, judgements, method, rationale, decided_by_id, decided_by, decided_at,
    assessment_ids, fingerprint, derivation
FROM finding_grades ORDER BY id;
-- Keep the id sequence where it was (AUTOINCREMENT never reuses an id).
UPDATE sqlite_sequence SET seq = max(seq, (SELECT seq FROM sqlite_sequence WHERE name = 'finding_grades'))
WHERE name = 'finding_grades_new' AND EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'finding_grades');
INSERT INTO sqlite_sequence (name, seq)
SELECT 'finding_grades_new', seq FROM sqlite_sequence WHERE name = 'finding_grades'
    AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'finding_grades_new');
DROP TABLE finding_grades;
ALTER TABLE finding_grades_new RENAME TO finding_grades;
-- The newest grade of a finding is its current one.
CREATE INDEX finding_grades_finding_id ON finding_grades (finding_id, id);

-- Derived like certainty: the current grade's occurrence certainty.
ALTER TABLE findings ADD COLUMN occurrence_certainty TEXT;

-- 3. A grade decided before this migration on what is now case evidence
-- is stale until re-graded (Store.MigrateUp recomputes the flags).
UPDATE finding_grades SET fingerprint = ''
WHERE id IN (SELECT f.grade_id FROM findings f JOIN questions q ON q.id = f.question_id
             WHERE f.grade_id IS NOT NULL AND f.measure IS NULL AND q.comparator_kind = 'none' AND q.outcome_kind = 'harm');

-- 4. The outbox: a withdrawal or reinstatement raises finding.graded.
DROP TRIGGER audit_events_webhooks;
-- +goose StatementBegin
CREATE TRIGGER audit_events_webhooks AFTER INSERT ON audit_events
WHEN NEW.action IN ('claim.rated', 'claim.flagged', 'finding_grade.decided', 'finding_grade.adjudicated',
    'finding_grade.withdrawn', 'finding_grade.reinstated', 'source.retracted')
BEGIN
    INSERT INTO webhook_deliveries (webhook_id, audit_id, event_type, state, attempt_count, next_attempt_at, created_at, updated_at)
    SELECT webhook_id, NEW.id, event_type, 'pending', 0, NEW.created_at, NEW.created_at, NEW.created_at
    FROM webhook_event_types
    WHERE event_type = CASE NEW.action
        WHEN 'claim.rated' THEN 'claim.rated'
        WHEN 'claim.flagged' THEN 'claim.flags_changed'
        WHEN 'finding_grade.decided' THEN 'finding.graded'
        WHEN 'finding_grade.adjudicated' THEN 'finding.graded'
        WHEN 'finding_grade.withdrawn' THEN 'finding.graded'
        WHEN 'finding_grade.reinstated' THEN 'finding.graded'
        WHEN 'source.retracted' THEN 'source.retracted'
    END
    ORDER BY webhook_id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER audit_events_webhooks;
-- +goose StatementBegin
CREATE TRIGGER audit_events_webhooks AFTER INSERT ON audit_events
WHEN NEW.action IN ('claim.rated', 'claim.flagged', 'finding_grade.decided', 'finding_grade.adjudicated', 'source.retracted')
BEGIN
    INSERT INTO webhook_deliveries (webhook_id, audit_id, event_type, state, attempt_count, next_attempt_at, created_at, updated_at)
    SELECT webhook_id, NEW.id, event_type, 'pending', 0, NEW.created_at, NEW.created_at, NEW.created_at
    FROM webhook_event_types
    WHERE event_type = CASE NEW.action
        WHEN 'claim.rated' THEN 'claim.rated'
        WHEN 'claim.flagged' THEN 'claim.flags_changed'
        WHEN 'finding_grade.decided' THEN 'finding.graded'
        WHEN 'finding_grade.adjudicated' THEN 'finding.graded'
        WHEN 'source.retracted' THEN 'source.retracted'
    END
    ORDER BY webhook_id;
END;
-- +goose StatementEnd
ALTER TABLE findings DROP COLUMN occurrence_certainty;
CREATE TABLE finding_grades_old (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    finding_id     BIGINT NOT NULL REFERENCES findings (id),
    certainty      TEXT NOT NULL,
    judgements     TEXT NOT NULL,
    method         TEXT NOT NULL,
    rationale      TEXT NOT NULL DEFAULT '',
    decided_by_id  BIGINT REFERENCES users (id),
    decided_by     TEXT NOT NULL,
    decided_at     DATETIME NOT NULL,
    assessment_ids TEXT NOT NULL,
    fingerprint    TEXT NOT NULL,
    derivation     TEXT NOT NULL
);
-- A case-evidence grade keeps its occurrence certainty as its certainty.
INSERT INTO finding_grades_old (id, finding_id, certainty, judgements, method, rationale, decided_by_id, decided_by, decided_at,
    assessment_ids, fingerprint, derivation)
SELECT id, finding_id, coalesce(certainty, occurrence_certainty), judgements, method, rationale, decided_by_id, decided_by, decided_at,
    assessment_ids, fingerprint, derivation
FROM finding_grades ORDER BY id;
UPDATE sqlite_sequence SET seq = max(seq, (SELECT seq FROM sqlite_sequence WHERE name = 'finding_grades'))
WHERE name = 'finding_grades_old' AND EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'finding_grades');
INSERT INTO sqlite_sequence (name, seq)
SELECT 'finding_grades_old', seq FROM sqlite_sequence WHERE name = 'finding_grades'
    AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'finding_grades_old');
DROP TABLE finding_grades;
ALTER TABLE finding_grades_old RENAME TO finding_grades;
CREATE INDEX finding_grades_finding_id ON finding_grades (finding_id, id);
