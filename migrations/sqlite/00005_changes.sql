-- +goose Up
-- The changes feed (issue 12, GET /api/v1/changes): one row per audit
-- event, numbered by seq in commit order. SQLite has one writer at a time
-- (transactions are immediate), so a row written by a trigger in the
-- writing transaction gets its seq in commit order already; PostgreSQL
-- needs more (see migrations/postgres/00005_changes.sql).
CREATE TABLE changes (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    audit_id  BIGINT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    action    TEXT NOT NULL,
    at        DATETIME NOT NULL
);

-- What was audited before the feed existed, in audit order.
INSERT INTO changes (audit_id, entity, entity_id, action, at)
SELECT id, entity, entity_id, action, created_at FROM audit_events ORDER BY id;

-- +goose StatementBegin
CREATE TRIGGER audit_events_change AFTER INSERT ON audit_events
BEGIN
    INSERT INTO changes (audit_id, entity, entity_id, action, at)
    VALUES (NEW.id, NEW.entity, NEW.entity_id, NEW.action, NEW.created_at);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER audit_events_change;
DROP TABLE changes;
