-- +goose Up
-- tier1.vehicles.preload keeps nothing: nothing read the queue back.
DROP TABLE preloads;

-- +goose Down
CREATE TABLE preloads (
    tenant          text NOT NULL,
    seq             bigserial,
    organization_id uuid NOT NULL,
    chassis_number  text NOT NULL,
    plate           text NOT NULL,
    country         text NOT NULL,
    PRIMARY KEY (tenant, seq)
);
