-- +goose Up
-- Issue 19. The risk of the outcome in a finding's comparator group, a
-- proportion quoted from the source, for the absolute effect of a risk,
-- odds or hazard ratio per 1,000 (GRADE 12): never assumed, null when the
-- source gives none. It does not enter the certainty or the ratings.
ALTER TABLE findings ADD COLUMN comparator_risk REAL;

-- +goose Down
ALTER TABLE findings DROP COLUMN comparator_risk;
