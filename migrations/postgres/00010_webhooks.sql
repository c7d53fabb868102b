-- +goose Up
-- Webhooks (issue 12): partners register a URL and the event types they
-- want; each change that raises one of those events writes a delivery to
-- the outbox (webhook_deliveries) in the transaction of the change, and the
-- dispatcher (package webhook) sends the deliveries.
CREATE TABLE webhooks (
    id          BIGSERIAL PRIMARY KEY,
    url         TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    -- The signing secret (whsec_...). It must be kept in the clear, since
    -- every delivery is signed with it; the API shows it at creation only.
    secret      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE webhook_event_types (
    webhook_id BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_type TEXT NOT NULL,
    PRIMARY KEY (event_type, webhook_id)
);
CREATE INDEX webhook_event_types_webhook_id ON webhook_event_types (webhook_id);

CREATE TABLE webhook_deliveries (
    id              BIGSERIAL PRIMARY KEY,
    webhook_id      BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    audit_id        BIGINT NOT NULL REFERENCES audit_events (id),
    event_type      TEXT NOT NULL,
    state           TEXT NOT NULL,
    attempt_count   INTEGER NOT NULL DEFAULT 0,
    -- When the delivery is next tried: due when pending and in the past.
    -- A dispatcher that claims it moves it to the end of its lease, so a
    -- delivery whose dispatcher died is tried again then. NULL once
    -- delivered or failed.
    next_attempt_at TIMESTAMPTZ,
    -- The lease of the dispatcher that claimed it; NULL when unclaimed.
    lease           TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_webhook_id ON webhook_deliveries (webhook_id, id);

CREATE TABLE webhook_attempts (
    id          BIGSERIAL PRIMARY KEY,
    delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    at          TIMESTAMPTZ NOT NULL,
    status_code INTEGER,
    error       TEXT,
    duration_ms BIGINT NOT NULL
);
CREATE INDEX webhook_attempts_delivery_id ON webhook_attempts (delivery_id, id);

-- Payloads carry the change's seq in the feed, found by audit id.
CREATE INDEX changes_audit_id ON changes (audit_id);

-- The outbox is written by a trigger on audit_events rather than by the Go
-- code that audits: audit events are inserted from several places (the
-- audit helpers, and the flag recomputations, which insert their
-- claim.flagged and finding.flagged events in batches), and any future
-- writer of an audited change goes through this table too. A trigger runs
-- in the inserting transaction whatever the caller, so no change can be
-- committed without its deliveries, and a rolled-back change leaves none.
-- The action-to-event table below is webhook.EventOf's
-- (webhook/vocab.go); store/webhooks_test.go checks that they agree.
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

-- +goose Down
DROP TRIGGER audit_events_webhooks ON audit_events;
DROP FUNCTION enqueue_webhook_deliveries();
DROP INDEX changes_audit_id;
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_event_types;
DROP TABLE webhooks;
