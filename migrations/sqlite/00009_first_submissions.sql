-- +goose Up
-- Issue 9, review gaps.
--
-- 1. The threshold a review used when it rated this outcome: a finding that
-- uses the review's reported_certainty may rate imprecision again only when
-- its own threshold differs from it (GRADE 32, 34; grading.ThresholdsDiffer).
-- On the finding's estimate scale; only with reported_certainty.
ALTER TABLE finding_sources ADD COLUMN reported_threshold REAL;

-- 2. First submissions, write-once per assessment and round of review. A
-- round is numbered 1 + the grades the finding had when the assessment was
-- submitted: a stale grade's new round (an assessment reopened and submitted
-- again) adds a row and never overwrites the earlier round's. A round is
-- settled once the finding has at least that many grades; the agreement
-- statistics read only settled rounds (DESIGN "Blinding").
CREATE TABLE finding_first_submissions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    finding_id    BIGINT NOT NULL REFERENCES findings (id),
    assessment_id BIGINT NOT NULL REFERENCES finding_assessments (id),
    round         INTEGER NOT NULL CHECK (round >= 1),
    -- grading.DomainJudgements as JSON, as submitted.
    judgements    TEXT NOT NULL,
    start         TEXT NOT NULL,
    certainty     TEXT NOT NULL,
    submitted_at  DATETIME NOT NULL,
    UNIQUE (assessment_id, round)
);
CREATE INDEX finding_first_submissions_finding_id ON finding_first_submissions (finding_id, round);

-- The first submissions kept on the assessments so far (one per assessment:
-- an earlier round's was overwritten when it was submitted again), in the
-- round they were made in. Times are UTC: the JSON's RFC 3339 "...T...Z"
-- becomes the driver's "... +00:00", which sorts as the stored grade times do.
INSERT INTO finding_first_submissions (finding_id, assessment_id, round, judgements, start, certainty, submitted_at)
SELECT finding_id, id,
       1 + (SELECT COUNT(*) FROM finding_grades g WHERE g.finding_id = x.finding_id AND julianday(g.decided_at) < julianday(x.at)),
       judgements, start, certainty, at
FROM (SELECT a.finding_id, a.id,
             json_extract(a.first_submission, '$.judgements') AS judgements,
             json_extract(a.first_submission, '$.start') AS start,
             json_extract(a.first_submission, '$.certainty') AS certainty,
             replace(replace(json_extract(a.first_submission, '$.submitted_at'), 'T', ' '), 'Z', '+00:00') AS at
      FROM finding_assessments a
      WHERE a.first_submission IS NOT NULL AND a.first_submission <> 'null') x
ORDER BY id;

ALTER TABLE finding_assessments DROP COLUMN first_submission;

-- +goose Down
ALTER TABLE finding_assessments ADD COLUMN first_submission TEXT;
-- Each assessment keeps its latest round's first submission, as before.
UPDATE finding_assessments SET first_submission = (
    SELECT json_object('judgements', json(fs.judgements), 'start', fs.start, 'certainty', fs.certainty,
        'submitted_at', replace(replace(fs.submitted_at, ' ', 'T'), '+00:00', 'Z'))
    FROM finding_first_submissions fs WHERE fs.assessment_id = finding_assessments.id ORDER BY fs.round DESC LIMIT 1);
DROP TABLE finding_first_submissions;
ALTER TABLE finding_sources DROP COLUMN reported_threshold;
