-- A journal entry may carry a note from the API that served it (the
-- ServiceMobility stand-in's contract check of the implementer's answer).
-- bytea, like the bodies: text refuses NUL, which a note may quote.

-- +goose Up
ALTER TABLE journal ADD COLUMN note bytea;

-- +goose Down
ALTER TABLE journal DROP COLUMN note;
