-- The Partage freight API: companies (a parent holding the API token and its
-- sub-companies), quotes and the world's counters (quote numbers, pl_ids).
-- Records read and written whole keep their nested parts in jsonb.

-- +goose Up
CREATE TABLE partage_companies (
    tenant             text NOT NULL,
    id                 uuid NOT NULL,
    seq                bigserial,
    parent_id          uuid,
    name               text NOT NULL,
    external_id        text,
    api_token          text,
    api_user           jsonb NOT NULL,
    same_credit        boolean NOT NULL,
    credit_limit       bigint,
    credit_utilization bigint NOT NULL,
    duns_number        text,
    location           jsonb,
    accounts_payable   jsonb,
    created_at         timestamptz NOT NULL,
    PRIMARY KEY (tenant, id),
    UNIQUE (tenant, api_token),
    UNIQUE (tenant, parent_id, external_id)
);
CREATE INDEX partage_companies_parent ON partage_companies (tenant, parent_id, seq);

CREATE TABLE partage_quotes (
    tenant                  text NOT NULL,
    id                      uuid NOT NULL,
    family_id               uuid NOT NULL,
    company_id              uuid NOT NULL,
    seq                     bigint NOT NULL,
    number                  text NOT NULL,
    pl_id                   text NOT NULL,
    own_credit              boolean NOT NULL,
    equipment               text NOT NULL,
    origin_postal_code      text NOT NULL,
    destination_postal_code text NOT NULL,
    weight                  bigint,
    pallet_spots            bigint,
    pallets                 bigint,
    ftl_only                boolean NOT NULL,
    origin_address          jsonb,
    destination_address     jsonb,
    commodity               text,
    value_cents             bigint,
    pieces                  bigint,
    timing                  jsonb NOT NULL,
    services                jsonb NOT NULL,
    miles                   bigint NOT NULL,
    options                 jsonb NOT NULL,
    booking                 jsonb,
    notes                   jsonb NOT NULL,
    cancelled_at            timestamptz,
    created_at              timestamptz NOT NULL,
    PRIMARY KEY (tenant, id),
    UNIQUE (tenant, pl_id),
    UNIQUE (tenant, family_id, number)
);

CREATE TABLE partage_counters (
    tenant text NOT NULL,
    name   text NOT NULL,
    value  bigint NOT NULL,
    PRIMARY KEY (tenant, name)
);

-- +goose Down
DROP TABLE partage_counters;
DROP TABLE partage_quotes;
DROP TABLE partage_companies;
