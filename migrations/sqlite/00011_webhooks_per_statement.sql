-- +goose Up
-- On PostgreSQL, 00011 makes the outbox trigger fire once per statement
-- instead of once per audit row (bulk imports insert audit rows by the
-- thousand). SQLite has only row triggers, run in-process and cheaply, so
-- its trigger of 00010 stays; this file keeps the two dialects' migration
-- versions in step.
SELECT 1;

-- +goose Down
SELECT 1;
