-- +goose Up
-- The outbox trigger of 00010 fires per audit row: a bulk import inserts
-- tens of thousands of audit rows in a few multi-row statements, and ran
-- the PL/pgSQL function (and its query of webhook_event_types) once for
-- each of the ~2 per claim that raise an event (claim.rated, claim.flagged),
-- ~150 ms of the import's 10,000 claims. It now fires once per statement
-- over the statement's new rows (a transition table) and enqueues the same
-- deliveries: one per audit row that raises an event and webhook
-- subscribed to it, in the same transaction, in audit id then webhook id
-- order, as the row trigger did. The action-to-event table is still
-- webhook.EventOf's (webhook/vocab.go; store/webhooks_test.go checks it).
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
DECLARE
    event TEXT := CASE NEW.action
        WHEN 'claim.rated' THEN 'claim.rated'
        WHEN 'claim.flagged' THEN 'claim.flags_changed'
        WHEN 'finding_grade.decided' THEN 'finding.graded'
        WHEN 'finding_grade.adjudicated' THEN 'finding.graded'
        WHEN 'source.retracted' THEN 'source.retracted'
    END;
BEGIN
    INSERT INTO webhook_deliveries (webhook_id, audit_id, event_type, state, attempt_count, next_attempt_at, created_at, updated_at)
    SELECT webhook_id, NEW.id, event, 'pending', 0, NEW.created_at, NEW.created_at, NEW.created_at
    FROM webhook_event_types WHERE event_type = event ORDER BY webhook_id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER audit_events_webhooks AFTER INSERT ON audit_events FOR EACH ROW
    WHEN (NEW.action IN ('claim.rated', 'claim.flagged', 'finding_grade.decided', 'finding_grade.adjudicated', 'source.retracted'))
    EXECUTE FUNCTION enqueue_webhook_deliveries();
