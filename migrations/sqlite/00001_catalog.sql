-- +goose Up
CREATE TABLE therapies (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    version     BIGINT NOT NULL DEFAULT 1,
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL
);

CREATE TABLE therapy_aliases (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    therapy_id BIGINT NOT NULL REFERENCES therapies (id) ON DELETE CASCADE,
    alias      TEXT NOT NULL,
    alias_key  TEXT NOT NULL UNIQUE,
    language   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX therapy_aliases_therapy_id ON therapy_aliases (therapy_id);

CREATE TABLE claims (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    therapy_id        BIGINT NOT NULL REFERENCES therapies (id),
    text              TEXT NOT NULL,
    language          TEXT NOT NULL,
    text_en           TEXT,
    condition         TEXT,
    outcome           TEXT,
    claim_type        TEXT NOT NULL,
    search_text       TEXT NOT NULL,
    verdict           TEXT NOT NULL,
    certainty         TEXT,
    support_count     INTEGER NOT NULL DEFAULT 0,
    refute_count      INTEGER NOT NULL DEFAULT 0,
    appearance_count  INTEGER NOT NULL DEFAULT 0,
    evidence_revision BIGINT NOT NULL DEFAULT 0,
    version           BIGINT NOT NULL DEFAULT 1,
    archived_at       DATETIME,
    created_at        DATETIME NOT NULL,
    updated_at        DATETIME NOT NULL
);
-- Every filter is (column = ?) ordered by id: composite indexes make each
-- filtered keyset page an index range scan. Archived claims never list.
CREATE INDEX claims_live_id ON claims (id) WHERE archived_at IS NULL;
CREATE INDEX claims_therapy_id ON claims (therapy_id, id) WHERE archived_at IS NULL;
CREATE INDEX claims_verdict_id ON claims (verdict, id) WHERE archived_at IS NULL;
CREATE INDEX claims_certainty_id ON claims (certainty, id) WHERE archived_at IS NULL;
CREATE INDEX claims_language_id ON claims (language, id) WHERE archived_at IS NULL;
CREATE INDEX claims_claim_type_id ON claims (claim_type, id) WHERE archived_at IS NULL;

CREATE TABLE claim_flags (
    flag     TEXT NOT NULL,
    claim_id BIGINT NOT NULL REFERENCES claims (id) ON DELETE CASCADE,
    PRIMARY KEY (flag, claim_id)
);
CREATE INDEX claim_flags_claim_id ON claim_flags (claim_id);

CREATE TABLE sources (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT NOT NULL,
    title           TEXT NOT NULL,
    authors         TEXT,
    year            INTEGER,
    container       TEXT,
    doi             TEXT UNIQUE,
    pmid            TEXT UNIQUE,
    url             TEXT,
    language        TEXT,
    retracted       BOOLEAN NOT NULL DEFAULT 0,
    retraction_note TEXT,
    search_text     TEXT NOT NULL,
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);
CREATE INDEX sources_kind_id ON sources (kind, id);
CREATE INDEX sources_retracted_id ON sources (retracted, id);

CREATE TABLE links (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    claim_id           BIGINT NOT NULL REFERENCES claims (id),
    source_id          BIGINT NOT NULL REFERENCES sources (id),
    role               TEXT NOT NULL,
    stance             TEXT,
    excerpt            TEXT,
    locator            TEXT,
    reported_certainty TEXT,
    note               TEXT,
    version            BIGINT NOT NULL DEFAULT 1,
    created_at         DATETIME NOT NULL,
    updated_at         DATETIME NOT NULL,
    UNIQUE (claim_id, source_id, role)
);
CREATE INDEX links_source_id ON links (source_id, claim_id);

CREATE TABLE users (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL,
    created_at DATETIME NOT NULL
);

CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      BIGINT NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    hash         BLOB NOT NULL UNIQUE,
    created_at   DATETIME NOT NULL,
    last_used_at DATETIME,
    revoked_at   DATETIME
);
CREATE INDEX api_keys_user_id ON api_keys (user_id);

CREATE TABLE audit_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id   BIGINT REFERENCES users (id),
    actor_name TEXT NOT NULL,
    action     TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  BIGINT NOT NULL,
    claim_id   BIGINT,
    before     TEXT,
    after      TEXT,
    request_id TEXT,
    created_at DATETIME NOT NULL
);
CREATE INDEX audit_events_claim_id ON audit_events (claim_id, id);
CREATE INDEX audit_events_entity ON audit_events (entity, entity_id, id);

-- +goose Down
DROP TABLE audit_events;
DROP TABLE api_keys;
DROP TABLE users;
DROP TABLE links;
DROP TABLE sources;
DROP TABLE claim_flags;
DROP TABLE claims;
DROP TABLE therapy_aliases;
DROP TABLE therapies;
