-- +goose Up
-- On PostgreSQL, 00012 raises the statistics target of search_text so that
-- q's plan does not depend on a random sample. SQLite searches through its
-- FTS5 trigram table and keeps no such histogram; this file keeps the two
-- dialects' migration versions in step.
SELECT 1;

-- +goose Down
SELECT 1;
