-- +goose Up
-- The changes feed (issue 12, GET /api/v1/changes): one row per audit
-- event, numbered by seq in COMMIT order, so that a client resuming after
-- the last seq it saw never misses a change.
--
-- A sequence value taken when the row is written is not enough on
-- PostgreSQL: transaction A may take seq 8, transaction B seq 9, and B
-- commit first; a reader then sees 9, moves its position to 9, and never
-- sees 8. (Filtering on "xid < pg_snapshot_xmin(pg_current_snapshot())"
-- does not close this either while ordering by seq: a younger transaction
-- can hold a smaller seq than an older, committed one.) So the seq is taken
-- at commit instead: a DEFERRABLE INITIALLY DEFERRED constraint trigger on
-- audit_events runs as the transaction commits, takes a transaction-scoped
-- advisory lock (held until the commit is visible) and only then takes
-- nextval. Transactions that carry changes therefore number and commit them
-- one after the other, and every snapshot sees a prefix of the seqs. Writers
-- are serialised only for that last step (the trigger and the commit), not
-- for their work, and the lock is the last one a transaction takes, so it
-- cannot deadlock with row locks. Changes made in a rolled-back transaction
-- or savepoint never fire the trigger.
CREATE TABLE changes (
    seq       BIGSERIAL PRIMARY KEY,
    audit_id  BIGINT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    action    TEXT NOT NULL,
    at        TIMESTAMPTZ NOT NULL
);

-- What was audited before the feed existed, in audit order.
INSERT INTO changes (audit_id, entity, entity_id, action, at)
SELECT id, entity, entity_id, action, created_at FROM audit_events ORDER BY id;

-- +goose StatementBegin
CREATE FUNCTION record_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- 1667786611 is 'chgs': the one advisory lock key of the changes feed.
    PERFORM pg_advisory_xact_lock(1667786611);
    INSERT INTO changes (audit_id, entity, entity_id, action, at)
    VALUES (NEW.id, NEW.entity, NEW.entity_id, NEW.action, NEW.created_at);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE CONSTRAINT TRIGGER audit_events_change AFTER INSERT ON audit_events
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION record_change();

-- +goose Down
DROP TRIGGER audit_events_change ON audit_events;
DROP FUNCTION record_change();
DROP TABLE changes;
