-- +goose Up
-- One row per Idempotency-Key of an API key: inserted as pending (status
-- NULL) before the request runs, completed with the response it gave. The
-- unique (api_key_id, idem_key) is what lets only one of two concurrent
-- requests with the same key run. Rows older than 24 hours are ignored and
-- purged by the store.
CREATE TABLE idempotency_keys (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    api_key_id   BIGINT NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    idem_key     TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    status       INTEGER,
    content_type TEXT,
    location     TEXT,
    etag         TEXT,
    body         BLOB,
    created_at   DATETIME NOT NULL,
    completed_at DATETIME,
    UNIQUE (api_key_id, idem_key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
