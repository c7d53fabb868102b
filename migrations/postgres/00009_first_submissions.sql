-- +goose Up
-- Issue 9, review gaps.
--
-- 1. The threshold a review used when it rated this outcome: a finding that
-- uses the review's reported_certainty may rate imprecision again only when
-- its own threshold differs from it (GRADE 32, 34; grading.ThresholdsDiffer).
-- On the finding's estimate scale; only with reported_certainty.
ALTER TABLE finding_sources ADD COLUMN reported_threshold DOUBLE PRECISION;

-- 2. First submissions, write-once per assessment and round of review. A
-- round is numbered 1 + the grades the finding had when the assessment was
-- submitted: a stale grade's new round (an assessment reopened and submitted
-- again) adds a row and never overwrites the earlier round's. A round is
-- settled once the finding has at least that many grades; the agreement
-- statistics read only settled rounds (DESIGN "Blinding").
CREATE TABLE finding_first_submissions (
    id            BIGSERIAL PRIMARY KEY,
    finding_id    BIGINT NOT NULL REFERENCES findings (id),
    assessment_id BIGINT NOT NULL REFERENCES finding_assessments (id),
    round         INTEGER NOT NULL CHECK (round >= 1),
    -- grading.DomainJudgements as JSON, as submitted.
    judgements    TEXT NOT NULL,
    start         TEXT NOT NULL,
    certainty     TEXT NOT NULL,
    submitted_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (assessment_id, round)
);
CREATE INDEX finding_first_submissions_finding_id ON finding_first_submissions (finding_id, round);

-- The first submissions kept on the assessments so far (one per assessment:
-- an earlier round's was overwritten when it was submitted again), in the
-- round they were made in.
INSERT INTO finding_first_submissions (finding_id, assessment_id, round, judgements, start, certainty, submitted_at)
SELECT a.finding_id, a.id,
       1 + (SELECT COUNT(*) FROM finding_grades g WHERE g.finding_id = a.finding_id
            AND g.decided_at < (a.first_submission::jsonb ->> 'submitted_at')::timestamptz),
       (a.first_submission::jsonb -> 'judgements')::text,
       a.first_submission::jsonb ->> 'start',
       a.first_submission::jsonb ->> 'certainty',
       (a.first_submission::jsonb ->> 'submitted_at')::timestamptz
FROM finding_assessments a
WHERE a.first_submission IS NOT NULL AND a.first_submission <> 'null'
ORDER BY a.id;

ALTER TABLE finding_assessments DROP COLUMN first_submission;

-- +goose Down
ALTER TABLE finding_assessments ADD COLUMN first_submission TEXT;
-- Each assessment keeps its latest round's first submission, as before.
UPDATE finding_assessments a SET first_submission = (
    SELECT json_build_object('judgements', fs.judgements::json, 'start', fs.start, 'certainty', fs.certainty,
        'submitted_at', to_char(fs.submitted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text
    FROM finding_first_submissions fs WHERE fs.assessment_id = a.id ORDER BY fs.round DESC LIMIT 1);
DROP TABLE finding_first_submissions;
ALTER TABLE finding_sources DROP COLUMN reported_threshold;
