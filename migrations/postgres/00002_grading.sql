-- +goose Up
CREATE TABLE assessments (
    id                    BIGSERIAL PRIMARY KEY,
    claim_id              BIGINT NOT NULL REFERENCES claims (id),
    reviewer_id           BIGINT NOT NULL REFERENCES users (id),
    risk_of_bias          TEXT NOT NULL,
    inconsistency         TEXT NOT NULL,
    indirectness          TEXT NOT NULL,
    imprecision           TEXT NOT NULL,
    publication_bias      TEXT NOT NULL,
    large_effect          TEXT NOT NULL,
    dose_response         BOOLEAN NOT NULL,
    plausible_confounding BOOLEAN NOT NULL,
    verdict               TEXT NOT NULL,
    rationale             TEXT NOT NULL DEFAULT '',
    status                TEXT NOT NULL,
    certainty             TEXT,
    derivation            TEXT NOT NULL DEFAULT '',
    version               BIGINT NOT NULL DEFAULT 1,
    submitted_at          TIMESTAMPTZ,
    created_at            TIMESTAMPTZ NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL,
    UNIQUE (claim_id, reviewer_id)
);

CREATE TABLE grades (
    id                BIGSERIAL PRIMARY KEY,
    claim_id          BIGINT NOT NULL REFERENCES claims (id),
    certainty         TEXT,
    verdict           TEXT NOT NULL,
    method            TEXT NOT NULL,
    rationale         TEXT NOT NULL DEFAULT '',
    decided_by_id     BIGINT REFERENCES users (id),
    decided_by        TEXT NOT NULL,
    decided_at        TIMESTAMPTZ NOT NULL,
    evidence_revision BIGINT NOT NULL,
    assessment_ids    TEXT NOT NULL DEFAULT '[]',
    derivation        TEXT NOT NULL DEFAULT ''
);
-- The current grade of a claim is its newest: (claim_id, id) finds it.
CREATE INDEX grades_claim_id ON grades (claim_id, id);

-- +goose Down
DROP TABLE grades;
DROP TABLE assessments;
