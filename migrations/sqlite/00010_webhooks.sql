-- +goose Up
-- Webhooks (issue 12): see migrations/postgres/00010_webhooks.sql for the
-- design; the tables and the trigger are the same here.
CREATE TABLE webhooks (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    url         TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    secret      TEXT NOT NULL,
    created_at  DATETIME NOT NULL
);

CREATE TABLE webhook_event_types (
    webhook_id BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_type TEXT NOT NULL,
    PRIMARY KEY (event_type, webhook_id)
);
CREATE INDEX webhook_event_types_webhook_id ON webhook_event_types (webhook_id);

CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id      BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    audit_id        BIGINT NOT NULL REFERENCES audit_events (id),
    event_type      TEXT NOT NULL,
    state           TEXT NOT NULL,
    attempt_count   INTEGER NOT NULL DEFAULT 0,
    next_attempt_at DATETIME,
    lease           TEXT,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_webhook_id ON webhook_deliveries (webhook_id, id);

CREATE TABLE webhook_attempts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    at          DATETIME NOT NULL,
    status_code INTEGER,
    error       TEXT,
    duration_ms BIGINT NOT NULL
);
CREATE INDEX webhook_attempts_delivery_id ON webhook_attempts (delivery_id, id);

CREATE INDEX changes_audit_id ON changes (audit_id);

-- The outbox is written by a trigger on audit_events, in the inserting
-- transaction, whoever inserts (see the PostgreSQL migration for why not in
-- Go). The action-to-event table is webhook.EventOf's (webhook/vocab.go).
-- +goose StatementBegin
CREATE TRIGGER audit_events_webhooks AFTER INSERT ON audit_events
WHEN NEW.action IN ('claim.rated', 'claim.flagged', 'finding_grade.decided', 'finding_grade.adjudicated', 'source.retracted')
BEGIN
    INSERT INTO webhook_deliveries (webhook_id, audit_id, event_type, state, attempt_count, next_attempt_at, created_at, updated_at)
    SELECT webhook_id, NEW.id, event_type, 'pending', 0, NEW.created_at, NEW.created_at, NEW.created_at
    FROM webhook_event_types
    WHERE event_type = CASE NEW.action
        WHEN 'claim.rated' THEN 'claim.rated'
        WHEN 'claim.flagged' THEN 'claim.flags_changed'
        WHEN 'finding_grade.decided' THEN 'finding.graded'
        WHEN 'finding_grade.adjudicated' THEN 'finding.graded'
        WHEN 'source.retracted' THEN 'source.retracted'
    END
    ORDER BY webhook_id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER audit_events_webhooks;
DROP INDEX changes_audit_id;
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_event_types;
DROP TABLE webhooks;
