-- ServiceMobility: the entity's mobility system configuration (one row per
-- tenant, absent until set) and the log of contract checks of parts ordering
-- answers (the newest few per tenant, in arrival order).

-- +goose Up
CREATE TABLE servicemobility_config (
    tenant             text PRIMARY KEY,
    parts_ordering_uri text NOT NULL,
    updated_at         timestamptz NOT NULL
);

CREATE TABLE servicemobility_checks (
    tenant        text NOT NULL,
    seq           bigserial,
    id            uuid NOT NULL,
    time          timestamptz NOT NULL,
    target        text NOT NULL,
    status        int NOT NULL,
    latency       bigint NOT NULL, -- nanoseconds
    -- JSON, but bytea rather than jsonb: findings quote what implementers
    -- answered, and jsonb refuses the NUL character.
    findings      bytea NOT NULL,
    finding_count int NOT NULL,
    ok            boolean NOT NULL,
    PRIMARY KEY (tenant, seq)
);

-- +goose Down
DROP TABLE servicemobility_checks;
DROP TABLE servicemobility_config;
