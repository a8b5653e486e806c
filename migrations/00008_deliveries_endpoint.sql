-- +goose Up
-- A webhook endpoint that keeps timing out has its pending deliveries
-- moved later all at once (the dispatcher's circuit breaker).
CREATE INDEX deliveries_endpoint ON deliveries (tenant, endpoint_id) WHERE status = 'pending';

-- +goose Down
DROP INDEX deliveries_endpoint;
