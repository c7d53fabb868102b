-- +goose Up
-- Epochs of the changes feed (issue 21). A feed position (after=SEQ) means
-- something only in the database lineage that issued it: a restored
-- database numbers its changes anew, so a partner resuming at 586 in a
-- restored database that has reached only 40 got an empty page and missed
-- every change until the numbers caught up. Every page now carries the
-- feed's epoch, an opaque id of the lineage kept here; an import starts a
-- new one (store.StartFeedEpoch, in the import's transaction), and a
-- request naming another epoch, or an after beyond the last seq, is a 410
-- telling the partner to resynchronise from an export.
--
-- The current epoch is the newest row; older rows record the lineage's
-- history (when and why each epoch began). This migration starts the first
-- one: a new database, or one migrated to this version, begins its own
-- lineage.
CREATE TABLE feed_epochs (
    id         BIGSERIAL PRIMARY KEY,
    epoch      TEXT NOT NULL UNIQUE,
    -- created (by this migration) or import
    reason     TEXT NOT NULL,
    started_at TIMESTAMPTZ NOT NULL
);
INSERT INTO feed_epochs (epoch, reason, started_at)
VALUES ('ep_' || replace(gen_random_uuid()::text, '-', ''), 'created', date_trunc('microseconds', clock_timestamp()));

-- +goose Down
DROP TABLE feed_epochs;
