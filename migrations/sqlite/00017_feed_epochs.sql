-- +goose Up
-- Epochs of the changes feed (issue 21; see
-- migrations/postgres/00017_feed_epochs.sql): the current epoch is the
-- newest row; this migration starts the first one, an import the next.
CREATE TABLE feed_epochs (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    epoch      TEXT NOT NULL UNIQUE,
    reason     TEXT NOT NULL,
    started_at DATETIME NOT NULL
);
INSERT INTO feed_epochs (epoch, reason, started_at)
VALUES ('ep_' || lower(hex(randomblob(16))), 'created', strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'));

-- +goose Down
DROP TABLE feed_epochs;
