-- +goose Up
-- Webhooks in order per subject (issue 21). Per webhook, the deliveries
-- about one record (its subject: a claim, a source, a finding; see
-- webhook.SubjectOf) are sent in seq order, one at a time: the dispatcher
-- claims a delivery only when no delivery to the same webhook about the
-- same subject with a smaller seq is still pending (waiting, retrying or
-- in flight). So a receiver that failed once no longer gets claim 10's
-- later events before the one it failed, while other subjects go on.
--
-- The subject is written on the delivery by the outbox trigger, and the
-- partial index below finds a subject's unfinished deliveries; the order
-- among them is the seq of their audit events in the changes feed (commit
-- order, 00005_changes), read through changes_audit_id at claim time: the
-- seq is taken at commit, after this trigger ran, so it cannot be copied
-- onto the delivery here.
ALTER TABLE webhook_deliveries ADD COLUMN subject_entity TEXT;
ALTER TABLE webhook_deliveries ADD COLUMN subject_id BIGINT;
UPDATE webhook_deliveries d
SET subject_entity = CASE WHEN a.entity = 'finding_grade' AND a.finding_id IS NOT NULL THEN 'finding' ELSE a.entity END,
    subject_id = CASE WHEN a.entity = 'finding_grade' AND a.finding_id IS NOT NULL THEN a.finding_id ELSE a.entity_id END
FROM audit_events a WHERE a.id = d.audit_id;
ALTER TABLE webhook_deliveries ALTER COLUMN subject_entity SET NOT NULL;
ALTER TABLE webhook_deliveries ALTER COLUMN subject_id SET NOT NULL;
CREATE INDEX webhook_deliveries_subject ON webhook_deliveries (webhook_id, subject_entity, subject_id) WHERE state = 'pending';

-- The trigger of 00011, writing the subject too. The subject rule is
-- webhook.SubjectOf's (store/webhooks_test.go checks that they agree).
DROP TRIGGER audit_events_webhooks ON audit_events;
DROP FUNCTION enqueue_webhook_deliveries();

-- +goose StatementBegin
CREATE FUNCTION enqueue_webhook_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO webhook_deliveries (webhook_id, audit_id, event_type, subject_entity, subject_id, state, attempt_count,
                                    next_attempt_at, created_at, updated_at)
    SELECT t.webhook_id, a.id, t.event_type,
           CASE WHEN a.entity = 'finding_grade' AND a.finding_id IS NOT NULL THEN 'finding' ELSE a.entity END,
           CASE WHEN a.entity = 'finding_grade' AND a.finding_id IS NOT NULL THEN a.finding_id ELSE a.entity_id END,
           'pending', 0, a.created_at, a.created_at, a.created_at
    FROM added a
    JOIN webhook_event_types t ON t.event_type = CASE a.action
        WHEN 'claim.rated' THEN 'claim.rated'
        WHEN 'claim.flagged' THEN 'claim.flags_changed'
        WHEN 'finding_grade.decided' THEN 'finding.graded'
        WHEN 'finding_grade.adjudicated' THEN 'finding.graded'
        WHEN 'finding_grade.withdrawn' THEN 'finding.graded'
        WHEN 'finding_grade.reinstated' THEN 'finding.graded'
        WHEN 'source.retracted' THEN 'source.retracted'
    END
    ORDER BY a.id, t.webhook_id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER audit_events_webhooks AFTER INSERT ON audit_events REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION enqueue_webhook_deliveries();

-- +goose Down
DROP TRIGGER audit_events_webhooks ON audit_events;
DROP FUNCTION enqueue_webhook_deliveries();

-- +goose StatementBegin
CREATE FUNCTION enqueue_webhook_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO webhook_deliveries (webhook_id, audit_id, event_type, state, attempt_count, next_attempt_at, created_at, updated_at)
    SELECT t.webhook_id, a.id, t.event_type, 'pending', 0, a.created_at, a.created_at, a.created_at
    FROM added a
    JOIN webhook_event_types t ON t.event_type = CASE a.action
        WHEN 'claim.rated' THEN 'claim.rated'
        WHEN 'claim.flagged' THEN 'claim.flags_changed'
        WHEN 'finding_grade.decided' THEN 'finding.graded'
        WHEN 'finding_grade.adjudicated' THEN 'finding.graded'
        WHEN 'finding_grade.withdrawn' THEN 'finding.graded'
        WHEN 'finding_grade.reinstated' THEN 'finding.graded'
        WHEN 'source.retracted' THEN 'source.retracted'
    END
    ORDER BY a.id, t.webhook_id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER audit_events_webhooks AFTER INSERT ON audit_events REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION enqueue_webhook_deliveries();

DROP INDEX webhook_deliveries_subject;
ALTER TABLE webhook_deliveries DROP COLUMN subject_id;
ALTER TABLE webhook_deliveries DROP COLUMN subject_entity;
