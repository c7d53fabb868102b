-- +goose Up
-- Text search that scales (issue 13). q is search_text LIKE '%…%' over a
-- folded column (case- and accent-insensitive, folded in Go by the store);
-- pg_trgm's GIN operator class answers such LIKEs from an index.

-- The fold version search_text was written with: the store rewrites every
-- search_text after migrating while it is older than its own (0: the
-- lower-cased text written before folding removed accents).
CREATE TABLE search_fold (version INTEGER NOT NULL);
INSERT INTO search_fold (version) VALUES (0);

-- pg_trgm is a trusted extension since PostgreSQL 13: a database owner may
-- create it. It is looked up wherever it was installed, so that an
-- extension created beforehand in another schema (e.g. public) serves.
-- +goose StatementBegin
DO $$
DECLARE
    ext_schema TEXT;
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    SELECT n.nspname INTO ext_schema
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'pg_trgm';
    EXECUTE format('CREATE INDEX claims_search_trgm ON claims USING gin (search_text %I.gin_trgm_ops) WHERE archived_at IS NULL', ext_schema);
    EXECUTE format('CREATE INDEX sources_search_trgm ON sources USING gin (search_text %I.gin_trgm_ops)', ext_schema);
END
$$;
-- +goose StatementEnd

-- +goose Down
-- The extension stays: other objects of the database may use it.
DROP INDEX sources_search_trgm;
DROP INDEX claims_search_trgm;
DROP TABLE search_fold;
