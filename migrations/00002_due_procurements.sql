-- +goose Up
-- Supplier auto-confirm asks, across tenants, for the procurements still
-- waiting on their supplier; only those rows are indexed.
CREATE INDEX procurements_order_requested ON procurements (created_at) WHERE status = 'order_requested';

-- +goose Down
DROP INDEX procurements_order_requested;
