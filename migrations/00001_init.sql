-- The whole state of the mock. Every table carries the tenant (the shared
-- world is tenant '') and every key starts with it, so tenants never see each
-- other's rows and dropping a tenant is a delete by its first key column.
-- Text that the store sorts by is compared bytewise (COLLATE "C"), as the
-- in-memory store does, whatever the database's locale.

-- +goose Up
CREATE TABLE tenants (
    tenant       text PRIMARY KEY,
    clock_offset bigint NOT NULL DEFAULT 0, -- nanoseconds the tenant clock is ahead
    last_used    timestamptz NOT NULL DEFAULT now(),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tenants_last_used ON tenants (last_used);

CREATE TABLE organizations (
    tenant text NOT NULL,
    id     uuid NOT NULL,
    name   text COLLATE "C" NOT NULL,
    role   text NOT NULL,
    PRIMARY KEY (tenant, id)
);

CREATE TABLE businesses (
    tenant          text NOT NULL,
    id              uuid NOT NULL,
    organization_id uuid NOT NULL,
    name            text COLLATE "C" NOT NULL,
    role            text NOT NULL,
    line1           text NOT NULL,
    city            text NOT NULL,
    region          text NOT NULL,
    postcode        text NOT NULL,
    country         text NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE INDEX businesses_org ON businesses (tenant, organization_id);

CREATE TABLE integrations (
    tenant          text NOT NULL,
    id              uuid NOT NULL,
    api_key         text NOT NULL,
    organization_id uuid NOT NULL,
    role            text NOT NULL,
    client_id       text NOT NULL,
    webhook_secret  text NOT NULL,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (tenant, id),
    UNIQUE (tenant, api_key)
);
CREATE INDEX integrations_org ON integrations (tenant, organization_id);

CREATE TABLE clients (
    tenant        text NOT NULL,
    id            text NOT NULL,
    secret        text NOT NULL,
    name          text NOT NULL,
    redirect_urls text[],
    PRIMARY KEY (tenant, id)
);

CREATE TABLE access_codes (
    tenant          text NOT NULL,
    code            text NOT NULL,
    client_id       text NOT NULL,
    organization_id uuid NOT NULL,
    role            text NOT NULL,
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz,
    PRIMARY KEY (tenant, code)
);

-- Reference data of the world, kept in seed order (ordinal).
CREATE TABLE work_providers (
    tenant  text NOT NULL,
    id      uuid NOT NULL,
    ordinal int NOT NULL,
    name    text NOT NULL,
    kind    text NOT NULL,
    PRIMARY KEY (tenant, id)
);

CREATE TABLE vehicles (
    tenant     text NOT NULL,
    ordinal    int NOT NULL,
    country    text NOT NULL, -- the register a plate belongs to
    vin        text,
    plate      text,
    make       text,
    model      text,
    year       int,
    body_style text,
    colour     text,
    PRIMARY KEY (tenant, ordinal)
);

CREATE TABLE catalogue (
    tenant             text NOT NULL,
    id                 uuid NOT NULL,
    ordinal            int NOT NULL,
    supplier_id        uuid NOT NULL,
    part_number        text NOT NULL,
    description        text NOT NULL,
    unit_price_cents   bigint NOT NULL,
    quantity_available int NOT NULL,
    condition          text NOT NULL,
    lead_time_days     int NOT NULL,
    PRIMARY KEY (tenant, id)
);

CREATE TABLE preloads (
    tenant          text NOT NULL,
    seq             bigserial,
    organization_id uuid NOT NULL,
    chassis_number  text NOT NULL,
    plate           text NOT NULL,
    country         text NOT NULL,
    PRIMARY KEY (tenant, seq)
);

CREATE TABLE jobs (
    tenant           text NOT NULL,
    id               uuid NOT NULL,
    organization_id  uuid NOT NULL,
    site_id          uuid NOT NULL,
    external_id      text,
    claim_number     text,
    job_number       text,
    vehicle          jsonb,
    work_provider_id uuid,
    images           text[] NOT NULL,
    status           text NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    PRIMARY KEY (tenant, id),
    UNIQUE (tenant, organization_id, external_id)
);
-- No index on (tenant, organization_id, created_at): listing returns every
-- job of the organization anyway, and such an index ties in cost with the
-- unique one for lookups by external id while statistics are young, where
-- the planner then scans the whole organization per lookup.

-- seq keeps insertion order: parts are listed in the order they were added.
CREATE TABLE parts (
    tenant      text NOT NULL,
    id          uuid NOT NULL,
    seq         bigserial,
    job_id      uuid NOT NULL,
    ordinal     int NOT NULL,
    description text NOT NULL,
    part_number text,
    quantity    int NOT NULL,
    status      text NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE INDEX parts_job ON parts (tenant, job_id, seq);

CREATE TABLE procurements (
    tenant            text NOT NULL,
    id                uuid NOT NULL,
    buyer_org_id      uuid NOT NULL,
    job_id            uuid NOT NULL,
    supplier_id       uuid NOT NULL,
    supplier_org_id   uuid NOT NULL,
    buyer_business_id uuid NOT NULL,
    status            text NOT NULL,
    currency_code     text NOT NULL,
    lines             jsonb NOT NULL, -- always read and written with the procurement
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    confirmed_at      timestamptz,
    PRIMARY KEY (tenant, id)
);
-- Likewise no (tenant, supplier_org_id) index: it would compete with the
-- primary key for lookups by id.
CREATE INDEX procurements_job ON procurements (tenant, job_id);

CREATE TABLE events (
    tenant          text NOT NULL,
    id              uuid NOT NULL,
    seq             bigserial,
    type            text NOT NULL,
    organization_id uuid NOT NULL,
    role            text NOT NULL,
    object_type     text NOT NULL,
    object_id       uuid NOT NULL,
    payload         bytea,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE INDEX events_seq ON events (tenant, seq);

CREATE TABLE endpoints (
    tenant         text NOT NULL,
    id             uuid NOT NULL,
    seq            bigserial,
    integration_id uuid NOT NULL,
    url            text NOT NULL,
    created_at     timestamptz NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE INDEX endpoints_integration ON endpoints (tenant, integration_id, seq);

CREATE TABLE deliveries (
    tenant          text NOT NULL,
    id              uuid NOT NULL,
    seq             bigserial,
    event_id        uuid NOT NULL,
    message_id      uuid NOT NULL,
    type            text NOT NULL,
    integration_id  uuid NOT NULL,
    endpoint_id     uuid NOT NULL,
    url             text NOT NULL,
    object_type     text NOT NULL,
    object_id       uuid NOT NULL,
    payload         bytea,
    attempts        int NOT NULL,
    status          text NOT NULL,
    next_attempt_at timestamptz NOT NULL, -- tenant clock
    lease_until     timestamptz NOT NULL, -- database clock
    last_error      text NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE INDEX deliveries_seq ON deliveries (tenant, seq);
-- What the dispatchers scan: only deliveries still to be sent.
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status IN ('pending', 'in_flight');

CREATE TABLE attempts (
    tenant           text NOT NULL,
    delivery_id      uuid NOT NULL,
    number           int NOT NULL,
    at               timestamptz NOT NULL,
    status_code      int NOT NULL,
    latency          bigint NOT NULL, -- nanoseconds
    error            text NOT NULL,
    response_excerpt text NOT NULL,
    PRIMARY KEY (tenant, delivery_id, number)
);

CREATE TABLE sink_records (
    tenant          text NOT NULL,
    id              uuid NOT NULL,
    seq             bigserial,
    received_at     timestamptz NOT NULL,
    headers         jsonb,
    body            bytea,
    signature_valid boolean NOT NULL,
    integration_id  uuid,
    PRIMARY KEY (tenant, id)
);
CREATE INDEX sink_records_seq ON sink_records (tenant, seq);

CREATE TABLE faults (
    tenant       text NOT NULL,
    id           uuid NOT NULL,
    seq          bigserial,
    method       text NOT NULL,
    error_type   text NOT NULL,
    error_fields jsonb,
    status       int NOT NULL,
    latency_ms   int NOT NULL,
    probability  double precision NOT NULL,
    remaining    int NOT NULL,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE INDEX faults_seq ON faults (tenant, seq);

-- Journal entries are keyed by arrival (seq): recording a request must never
-- fail on a duplicate id.
CREATE TABLE journal (
    tenant         text NOT NULL,
    seq            bigserial,
    id             uuid NOT NULL,
    time           timestamptz NOT NULL,
    request_id     text NOT NULL,
    method         text NOT NULL,
    status         int NOT NULL,
    latency        bigint NOT NULL, -- nanoseconds
    integration_id uuid,
    request_body   bytea,
    response_body  bytea,
    PRIMARY KEY (tenant, seq)
);

CREATE TABLE coverage (
    tenant text NOT NULL,
    key    text NOT NULL,
    count  bigint NOT NULL,
    PRIMARY KEY (tenant, key)
);

-- +goose Down
DROP TABLE coverage;
DROP TABLE journal;
DROP TABLE faults;
DROP TABLE sink_records;
DROP TABLE attempts;
DROP TABLE deliveries;
DROP TABLE endpoints;
DROP TABLE events;
DROP TABLE procurements;
DROP TABLE parts;
DROP TABLE jobs;
DROP TABLE preloads;
DROP TABLE catalogue;
DROP TABLE vehicles;
DROP TABLE work_providers;
DROP TABLE access_codes;
DROP TABLE clients;
DROP TABLE integrations;
DROP TABLE businesses;
DROP TABLE organizations;
DROP TABLE tenants;
