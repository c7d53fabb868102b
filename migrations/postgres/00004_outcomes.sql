-- +goose Up
-- The outcome model (issue 9): questions (PICO), findings (the body of
-- evidence for one question, with its effect), the sources a finding rests
-- on, and claims linked to findings. Grading stays claim-level for now:
-- findings carry a nullable derived certainty and their flags.

-- A systematic review or meta-analysis states the design of what it pools,
-- and may list the catalogued sources it includes.
ALTER TABLE sources ADD COLUMN included_design TEXT;

CREATE TABLE source_includes (
    review_id BIGINT NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    source_id BIGINT NOT NULL REFERENCES sources (id),
    PRIMARY KEY (review_id, source_id),
    CHECK (review_id <> source_id)
);
CREATE INDEX source_includes_source_id ON source_includes (source_id, review_id);

CREATE TABLE questions (
    id              BIGSERIAL PRIMARY KEY,
    therapy_id      BIGINT NOT NULL REFERENCES therapies (id),
    population      TEXT NOT NULL,
    intervention    TEXT NOT NULL,
    comparator      TEXT,
    comparator_kind TEXT NOT NULL,
    outcome         TEXT NOT NULL,
    timepoint       TEXT NOT NULL,
    outcome_kind    TEXT NOT NULL,
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
-- Filters are (column = ?) ordered by id, as for claims.
CREATE INDEX questions_therapy_id ON questions (therapy_id, id);
CREATE INDEX questions_outcome_kind_id ON questions (outcome_kind, id);

CREATE TABLE findings (
    id           BIGSERIAL PRIMARY KEY,
    question_id  BIGINT NOT NULL REFERENCES questions (id),
    measure      TEXT,
    estimate     DOUBLE PRECISION,
    ci_low       DOUBLE PRECISION,
    ci_high      DOUBLE PRECISION,
    events       BIGINT,
    participants BIGINT,
    studies      BIGINT,
    threshold    DOUBLE PRECISION,
    attribution  TEXT,
    summary      TEXT NOT NULL DEFAULT '',
    certainty    TEXT,
    version      BIGINT NOT NULL DEFAULT 1,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX findings_question_id ON findings (question_id, id);
CREATE INDEX findings_certainty_id ON findings (certainty, id);

CREATE TABLE finding_sources (
    id                 BIGSERIAL PRIMARY KEY,
    finding_id         BIGINT NOT NULL REFERENCES findings (id),
    source_id          BIGINT NOT NULL REFERENCES sources (id),
    excerpt            TEXT,
    locator            TEXT,
    note               TEXT,
    reported_certainty TEXT,
    design_subset      TEXT,
    version            BIGINT NOT NULL DEFAULT 1,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    UNIQUE (finding_id, source_id)
);
CREATE INDEX finding_sources_source_id ON finding_sources (source_id, finding_id);

CREATE TABLE finding_flags (
    flag       TEXT NOT NULL,
    finding_id BIGINT NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
    PRIMARY KEY (flag, finding_id)
);
CREATE INDEX finding_flags_finding_id ON finding_flags (finding_id);

CREATE TABLE claim_findings (
    id         BIGSERIAL PRIMARY KEY,
    claim_id   BIGINT NOT NULL REFERENCES claims (id),
    finding_id BIGINT NOT NULL REFERENCES findings (id),
    stance     TEXT NOT NULL,
    note       TEXT,
    version    BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (claim_id, finding_id)
);
CREATE INDEX claim_findings_finding_id ON claim_findings (finding_id, claim_id);

-- A finding's history: events of the finding, its sources and its claim
-- links, found by (finding_id, id) as a claim's are by (claim_id, id).
ALTER TABLE audit_events ADD COLUMN finding_id BIGINT;
CREATE INDEX audit_events_finding_id ON audit_events (finding_id, id);

-- +goose Down
DROP INDEX audit_events_finding_id;
ALTER TABLE audit_events DROP COLUMN finding_id;
DROP TABLE claim_findings;
DROP TABLE finding_flags;
DROP TABLE finding_sources;
DROP TABLE findings;
DROP TABLE questions;
DROP TABLE source_includes;
ALTER TABLE sources DROP COLUMN included_design;
