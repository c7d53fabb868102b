-- +goose Up
-- Text search that scales (issue 13). q is search_text LIKE '%…%' over a
-- folded column (case- and accent-insensitive, folded in Go by the store);
-- an FTS5 trigram index over search_text first narrows the rows for a q of
-- at least 3 characters.

-- The fold version search_text was written with: the store rewrites every
-- search_text after migrating while it is older than its own (0: the
-- lower-cased text written before folding removed accents).
CREATE TABLE search_fold (version INTEGER NOT NULL);
INSERT INTO search_fold (version) VALUES (0);

-- External-content FTS5 tables: they index search_text of claims and
-- sources by rowid = id and store no copy; the triggers keep them in step.
CREATE VIRTUAL TABLE claims_fts USING fts5(search_text, content='claims', content_rowid='id', tokenize='trigram');
INSERT INTO claims_fts (claims_fts) VALUES ('rebuild');
-- +goose StatementBegin
CREATE TRIGGER claims_fts_insert AFTER INSERT ON claims BEGIN
    INSERT INTO claims_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER claims_fts_delete AFTER DELETE ON claims BEGIN
    INSERT INTO claims_fts (claims_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER claims_fts_update AFTER UPDATE OF search_text ON claims BEGIN
    INSERT INTO claims_fts (claims_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    INSERT INTO claims_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;
-- +goose StatementEnd

CREATE VIRTUAL TABLE sources_fts USING fts5(search_text, content='sources', content_rowid='id', tokenize='trigram');
INSERT INTO sources_fts (sources_fts) VALUES ('rebuild');
-- +goose StatementBegin
CREATE TRIGGER sources_fts_insert AFTER INSERT ON sources BEGIN
    INSERT INTO sources_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER sources_fts_delete AFTER DELETE ON sources BEGIN
    INSERT INTO sources_fts (sources_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER sources_fts_update AFTER UPDATE OF search_text ON sources BEGIN
    INSERT INTO sources_fts (sources_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    INSERT INTO sources_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER sources_fts_update;
DROP TRIGGER sources_fts_delete;
DROP TRIGGER sources_fts_insert;
DROP TABLE sources_fts;
DROP TRIGGER claims_fts_update;
DROP TRIGGER claims_fts_delete;
DROP TRIGGER claims_fts_insert;
DROP TABLE claims_fts;
DROP TABLE search_fold;
