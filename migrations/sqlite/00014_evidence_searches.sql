-- +goose Up
-- Evidence searches (issue 18, DESIGN "Evidence searches"): an editor
-- records each search made for a claim's evidence, as PRISMA-S asks a
-- review to report it: the database, the query exactly as it was run, when,
-- how many records it returned and how many were screened, the catalogued
-- sources it led to and a note on why nothing was includable. With no usable
-- graded finding, a claim with a search is unproven (no_evidence_found),
-- one without is not_rated (not_yet_searched).
CREATE TABLE evidence_searches (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    claim_id      BIGINT NOT NULL REFERENCES claims (id),
    database_name TEXT NOT NULL,
    query_text    TEXT NOT NULL,
    searched_at   DATETIME NOT NULL,
    hits          BIGINT NOT NULL CHECK (hits >= 0),
    screened      BIGINT NOT NULL CHECK (screened >= 0 AND screened <= hits),
    note          TEXT,
    version       BIGINT NOT NULL DEFAULT 1,
    created_by    TEXT NOT NULL,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);
CREATE INDEX evidence_searches_claim_id ON evidence_searches (claim_id, id);

-- The catalogued sources a search led to.
CREATE TABLE evidence_search_sources (
    search_id BIGINT NOT NULL REFERENCES evidence_searches (id) ON DELETE CASCADE,
    source_id BIGINT NOT NULL REFERENCES sources (id),
    PRIMARY KEY (search_id, source_id)
);
CREATE INDEX evidence_search_sources_source_id ON evidence_search_sources (source_id, search_id);

-- Derived with the rating: when the claim's newest search was run, and
-- whether it was older than SEARCH_STALE_AFTER when the claim was last
-- derived. Time makes a search stale without any write, so a sweep
-- re-derives the claims whose newest search has crossed the limit since:
-- those still marked fresh with last_searched_at before now minus the
-- limit (and, when the limit was raised, those marked stale after it).
-- Each partial index holds only the live claims with searches in one
-- state, ordered by the date, so a sweep reads a range of it and nothing
-- else, however many claims there are.
ALTER TABLE claims ADD COLUMN last_searched_at DATETIME;
ALTER TABLE claims ADD COLUMN search_stale BOOLEAN NOT NULL DEFAULT 0;
CREATE INDEX claims_search_fresh ON claims (last_searched_at)
    WHERE archived_at IS NULL AND last_searched_at IS NOT NULL AND NOT search_stale;
CREATE INDEX claims_search_stale ON claims (last_searched_at)
    WHERE archived_at IS NULL AND last_searched_at IS NOT NULL AND search_stale;

-- The rule no_graded_finding is now not_yet_searched (no claim has a search
-- yet, so no rating changes): the stored explanations say so, and the
-- claims' versions move so that cached documents are not served as current.
UPDATE claims
SET rating_explanation = replace(rating_explanation,
        'not_rated (no_graded_finding): no graded finding is linked with a stance other than neutral.',
        'not_rated (not_yet_searched): no graded finding is linked with a stance other than neutral, and no evidence search is recorded for the claim.'),
    version = version + 1
WHERE instr(rating_explanation, '(no_graded_finding)') > 0;

-- +goose Down
UPDATE claims
SET rating_explanation = replace(rating_explanation,
        'not_rated (not_yet_searched): no graded finding is linked with a stance other than neutral, and no evidence search is recorded for the claim.',
        'not_rated (no_graded_finding): no graded finding is linked with a stance other than neutral.'),
    version = version + 1
WHERE instr(rating_explanation, '(not_yet_searched)') > 0;
DROP INDEX claims_search_stale;
DROP INDEX claims_search_fresh;
ALTER TABLE claims DROP COLUMN search_stale;
ALTER TABLE claims DROP COLUMN last_searched_at;
DROP TABLE evidence_search_sources;
DROP TABLE evidence_searches;
