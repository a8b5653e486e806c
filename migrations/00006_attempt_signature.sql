-- +goose Up
-- The delivery log shows each attempt's signature header as it was sent,
-- so a receiver that refuses a message can be compared with what it got.
ALTER TABLE attempts ADD COLUMN signature text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE attempts DROP COLUMN signature;
