-- Journal entries are numbered per tenant (n: 1, 2, 3, … in the order they
-- were written; tenants.journal_n is the last number given), so that keeping
-- a tenant's newest entries deletes a range of numbers: the entries a write
-- pushes out of the keep are exactly those numbered keep below its own.
-- Before, finding where the keep began walked the keep's entries on every
-- write.

-- +goose Up
ALTER TABLE tenants ADD COLUMN journal_n bigint NOT NULL DEFAULT 0;
ALTER TABLE journal ADD COLUMN n bigint;
UPDATE journal j SET n = r.n
    FROM (SELECT tenant, seq, row_number() OVER (PARTITION BY tenant ORDER BY seq) AS n FROM journal) r
    WHERE j.tenant = r.tenant AND j.seq = r.seq;
UPDATE tenants t SET journal_n = coalesce((SELECT max(n) FROM journal j WHERE j.tenant = t.tenant), 0);
ALTER TABLE journal ALTER COLUMN n SET NOT NULL;
ALTER TABLE journal DROP CONSTRAINT journal_pkey;
ALTER TABLE journal ADD PRIMARY KEY (tenant, n);
ALTER TABLE journal DROP COLUMN seq;

-- +goose Down
ALTER TABLE journal ADD COLUMN seq bigserial;
UPDATE journal j SET seq = r.seq
    FROM (SELECT tenant, n, row_number() OVER (ORDER BY tenant, n) AS seq FROM journal) r
    WHERE j.tenant = r.tenant AND j.n = r.n;
SELECT setval(pg_get_serial_sequence('journal', 'seq'), coalesce((SELECT max(seq) FROM journal), 0) + 1, false);
ALTER TABLE journal DROP CONSTRAINT journal_pkey;
ALTER TABLE journal ADD PRIMARY KEY (tenant, seq);
ALTER TABLE journal DROP COLUMN n;
ALTER TABLE tenants DROP COLUMN journal_n;
