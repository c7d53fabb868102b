-- +goose Up
-- Webhooks in order per subject (issue 21; see
-- migrations/postgres/00016_webhook_order.sql): the outbox trigger writes
-- the subject of each delivery (webhook.SubjectOf), and the partial index
-- finds a subject's unfinished deliveries when the dispatcher claims. SQLite
-- adds a NOT NULL column only with a default; the trigger always sets it.
ALTER TABLE webhook_deliveries ADD COLUMN subject_entity TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_deliveries ADD COLUMN subject_id BIGINT NOT NULL DEFAULT 0;
UPDATE webhook_deliveries
SET subject_entity = (SELECT CASE WHEN a.entity = 'finding_grade' AND a.finding_id IS NOT NULL THEN 'finding' ELSE a.entity END
                      FROM audit_events a WHERE a.id = webhook_deliveries.audit_id),
    subject_id = (SELECT CASE WHEN a.entity = 'finding_grade' AND a.finding_id IS NOT NULL THEN a.finding_id ELSE a.entity_id END
                  FROM audit_events a WHERE a.id = webhook_deliveries.audit_id);
CREATE INDEX webhook_deliveries_subject ON webhook_deliveries (webhook_id, subject_entity, subject_id) WHERE state = 'pending';

DROP TRIGGER audit_events_webhooks;

-- +goose StatementBegin
CREATE TRIGGER audit_events_webhooks AFTER INSERT ON audit_events
WHEN NEW.action IN ('claim.rated', 'claim.flagged', 'finding_grade.decided', 'finding_grade.adjudicated', 'finding_grade.withdrawn',
    'finding_grade.reinstated', 'source.retracted')
BEGIN
    INSERT INTO webhook_deliveries (webhook_id, audit_id, event_type, subject_entity, subject_id, state, attempt_count,
                                    next_attempt_at, created_at, updated_at)
    SELECT webhook_id, NEW.id, event_type,
           CASE WHEN NEW.entity = 'finding_grade' AND NEW.finding_id IS NOT NULL THEN 'finding' ELSE NEW.entity END,
           CASE WHEN NEW.entity = 'finding_grade' AND NEW.finding_id IS NOT NULL THEN NEW.finding_id ELSE NEW.entity_id END,
           'pending', 0, NEW.created_at, NEW.created_at, NEW.created_at
    FROM webhook_event_types
    WHERE event_type = CASE NEW.action
        WHEN 'claim.rated' THEN 'claim.rated'
        WHEN 'claim.flagged' THEN 'claim.flags_changed'
        WHEN 'finding_grade.decided' THEN 'finding.graded'
        WHEN 'finding_grade.adjudicated' THEN 'finding.graded'
        WHEN 'finding_grade.withdrawn' THEN 'finding.graded'
        WHEN 'finding_grade.reinstated' THEN 'finding.graded'
        WHEN 'source.retracted' THEN 'source.retracted'
    END
    ORDER BY webhook_id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER audit_events_webhooks;

-- +goose StatementBegin
CREATE TRIGGER audit_events_webhooks AFTER INSERT ON audit_events
WHEN NEW.action IN ('claim.rated', 'claim.flagged', 'finding_grade.decided', 'finding_grade.adjudicated', 'finding_grade.withdrawn',
    'finding_grade.reinstated', 'source.retracted')
BEGIN
    INSERT INTO webhook_deliveries (webhook_id, audit_id, event_type, state, attempt_count, next_attempt_at, created_at, updated_at)
    SELECT webhook_id, NEW.id, event_type, 'pending', 0, NEW.created_at, NEW.created_at, NEW.created_at
    FROM webhook_event_types
    WHERE event_type = CASE NEW.action
        WHEN 'claim.rated' THEN 'claim.rated'
        WHEN 'claim.flagged' THEN 'claim.flags_changed'
        WHEN 'finding_grade.decided' THEN 'finding.graded'
        WHEN 'finding_grade.adjudicated' THEN 'finding.graded'
        WHEN 'finding_grade.withdrawn' THEN 'finding.graded'
        WHEN 'finding_grade.reinstated' THEN 'finding.graded'
        WHEN 'source.retracted' THEN 'source.retracted'
    END
    ORDER BY webhook_id;
END;
-- +goose StatementEnd

DROP INDEX webhook_deliveries_subject;
ALTER TABLE webhook_deliveries DROP COLUMN subject_id;
ALTER TABLE webhook_deliveries DROP COLUMN subject_entity;
