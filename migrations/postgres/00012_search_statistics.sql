-- +goose Up
-- The planner estimates q's LIKE '%...%' on search_text from the column's
-- histogram, built from a random sample. With the default target (100
-- entries), one sampled entry that happens to hold the searched word makes
-- a rare word look like 1% of the table, and the planner then walks the id
-- index filtering every row instead of reading the trigram index (seen in
-- CI on 50,000 claims; at 1,000,000 claims that plan reads the whole
-- table). 1,000 entries make the estimate, and the plan, stop depending on
-- chance; ANALYZE then samples 300,000 rows of these tables.
ALTER TABLE claims ALTER COLUMN search_text SET STATISTICS 1000;
ALTER TABLE sources ALTER COLUMN search_text SET STATISTICS 1000;

-- +goose Down
ALTER TABLE claims ALTER COLUMN search_text SET STATISTICS -1;
ALTER TABLE sources ALTER COLUMN search_text SET STATISTICS -1;
