-- +goose Up
-- The finding-level review workflow (issue 9): one assessment per reviewer
-- per finding, and a finding's grades kept as history. The claim-level
-- assessments and grades stay until the claim routes move to findings.

CREATE TABLE finding_assessments (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    finding_id       BIGINT NOT NULL REFERENCES findings (id),
    reviewer_id      BIGINT NOT NULL REFERENCES users (id),
    -- grading.DomainJudgements as JSON: the eight domains, rob_tool and
    -- the reasons (domain -> text).
    judgements       TEXT NOT NULL,
    rationale        TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL,
    certainty        TEXT,
    -- grading.CertaintyDerivation as JSON.
    derivation       TEXT,
    -- The first submission (judgements, start, certainty, time), kept when
    -- the assessment is revised: the agreement statistics read it.
    first_submission TEXT,
    version          BIGINT NOT NULL DEFAULT 1,
    submitted_at     DATETIME,
    created_at       DATETIME NOT NULL,
    updated_at       DATETIME NOT NULL,
    UNIQUE (finding_id, reviewer_id)
);
CREATE INDEX finding_assessments_reviewer_id ON finding_assessments (reviewer_id, finding_id);

CREATE TABLE finding_grades (
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
    -- grading.Body.Fingerprint of the body the grade was decided on: the
    -- grade is stale when the body's fingerprint differs now.
    fingerprint    TEXT NOT NULL,
    derivation     TEXT NOT NULL
);
-- The newest grade of a finding is its current one.
CREATE INDEX finding_grades_finding_id ON finding_grades (finding_id, id);

-- Derived, stored on the row like certainty: the current grade and the
-- domains on which submitted assessments disagree (JSON list).
-- No REFERENCES: SQLite cannot drop a column that a foreign key uses.
ALTER TABLE findings ADD COLUMN grade_id BIGINT;
ALTER TABLE findings ADD COLUMN disagreements TEXT;

-- +goose Down
ALTER TABLE findings DROP COLUMN disagreements;
ALTER TABLE findings DROP COLUMN grade_id;
DROP TABLE finding_grades;
DROP TABLE finding_assessments;
