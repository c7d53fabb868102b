-- +goose Up
-- Claims are rated against the findings they link (issues 9 and 10): a
-- claim carries what its wording asserts, and its rating, certainty, counts
-- and flags are derived from its linked findings' grades. The claim-level
-- review (assessments and grades of whole claims, and evidence links from
-- claims to sources) is gone: GRADE grades outcomes, not claims, and the API
-- was never released, so nothing is kept for compatibility. Links now only
-- record where a claim appears (role 'appearance').
DROP TABLE grades;
DROP TABLE assessments;
DELETE FROM links WHERE role <> 'appearance';
ALTER TABLE links DROP COLUMN stance;
ALTER TABLE links DROP COLUMN reported_certainty;
ALTER TABLE links ADD COLUMN url TEXT;
ALTER TABLE links ADD COLUMN retrieved_at TIMESTAMPTZ;

DROP INDEX claims_verdict_id;
ALTER TABLE claims DROP COLUMN verdict;
ALTER TABLE claims DROP COLUMN evidence_revision;
ALTER TABLE claims DROP COLUMN condition;
ALTER TABLE claims DROP COLUMN outcome;

-- What the wording asserts (DESIGN "Claim ratings"); editors set these.
ALTER TABLE claims ADD COLUMN summary TEXT NOT NULL DEFAULT '';
ALTER TABLE claims ADD COLUMN assertion TEXT NOT NULL DEFAULT 'other';
ALTER TABLE claims ADD COLUMN claimed_value DOUBLE PRECISION;
ALTER TABLE claims ADD COLUMN hedge TEXT NOT NULL DEFAULT 'none';
-- The rating, derived in the transaction of every change it reads.
ALTER TABLE claims ADD COLUMN rating TEXT NOT NULL DEFAULT 'not_rated';
ALTER TABLE claims ADD COLUMN rating_source TEXT NOT NULL DEFAULT 'rule';
ALTER TABLE claims ADD COLUMN rating_explanation TEXT NOT NULL DEFAULT '';
-- When the rating (or its source) last changed: ClaimReview's dateModified.
ALTER TABLE claims ADD COLUMN rated_at TIMESTAMPTZ;
-- An editor's override: the rating, its rationale, who set it and when,
-- and the fingerprint of the evidence it was set against (it is stale
-- once the evidence's fingerprint differs).
ALTER TABLE claims ADD COLUMN override_rating TEXT;
ALTER TABLE claims ADD COLUMN override_rationale TEXT;
ALTER TABLE claims ADD COLUMN override_by TEXT;
ALTER TABLE claims ADD COLUMN override_at TIMESTAMPTZ;
ALTER TABLE claims ADD COLUMN override_basis TEXT;
-- The fingerprint of the evidence the current rating was computed from.
ALTER TABLE claims ADD COLUMN evidence_basis TEXT NOT NULL DEFAULT '';

CREATE INDEX claims_rating_id ON claims (rating, id) WHERE archived_at IS NULL;
CREATE INDEX claims_assertion_id ON claims (assertion, id) WHERE archived_at IS NULL;

-- +goose Down
DROP INDEX claims_assertion_id;
DROP INDEX claims_rating_id;
ALTER TABLE claims DROP COLUMN evidence_basis;
ALTER TABLE claims DROP COLUMN override_basis;
ALTER TABLE claims DROP COLUMN override_at;
ALTER TABLE claims DROP COLUMN override_by;
ALTER TABLE claims DROP COLUMN override_rationale;
ALTER TABLE claims DROP COLUMN override_rating;
ALTER TABLE claims DROP COLUMN rated_at;
ALTER TABLE claims DROP COLUMN rating_explanation;
ALTER TABLE claims DROP COLUMN rating_source;
ALTER TABLE claims DROP COLUMN rating;
ALTER TABLE claims DROP COLUMN hedge;
ALTER TABLE claims DROP COLUMN claimed_value;
ALTER TABLE claims DROP COLUMN assertion;
ALTER TABLE claims DROP COLUMN summary;
ALTER TABLE claims ADD COLUMN outcome TEXT;
ALTER TABLE claims ADD COLUMN condition TEXT;
ALTER TABLE claims ADD COLUMN evidence_revision BIGINT NOT NULL DEFAULT 0;
ALTER TABLE claims ADD COLUMN verdict TEXT NOT NULL DEFAULT 'ungraded';
CREATE INDEX claims_verdict_id ON claims (verdict, id) WHERE archived_at IS NULL;
ALTER TABLE links DROP COLUMN retrieved_at;
ALTER TABLE links DROP COLUMN url;
ALTER TABLE links ADD COLUMN reported_certainty TEXT;
ALTER TABLE links ADD COLUMN stance TEXT;
-- The claim-level review tables come back empty.
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
