-- +goose Up
-- The sink keeps each tenant within a count and a byte budget, evicting the
-- oldest: the totals live on the tenant's row so that adding a record
-- costs the same however full the sink is, and accepted message ids are
-- indexed so that spotting a duplicate reads no body.
ALTER TABLE sink_records ADD COLUMN size bigint NOT NULL DEFAULT 0;
ALTER TABLE sink_records ADD COLUMN message_id text;
UPDATE sink_records SET size = coalesce(length(body), 0) + coalesce(length(headers::text), 0);
CREATE INDEX sink_records_message ON sink_records (tenant, message_id) WHERE message_id IS NOT NULL;
ALTER TABLE tenants ADD COLUMN sink_bytes bigint NOT NULL DEFAULT 0;
ALTER TABLE tenants ADD COLUMN sink_count int NOT NULL DEFAULT 0;
UPDATE tenants t SET sink_bytes = s.bytes, sink_count = s.n
FROM (SELECT tenant, sum(size) AS bytes, count(*) AS n FROM sink_records GROUP BY tenant) s
WHERE s.tenant = t.tenant;

-- +goose Down
ALTER TABLE tenants DROP COLUMN sink_count;
ALTER TABLE tenants DROP COLUMN sink_bytes;
DROP INDEX sink_records_message;
ALTER TABLE sink_records DROP COLUMN message_id;
ALTER TABLE sink_records DROP COLUMN size;
