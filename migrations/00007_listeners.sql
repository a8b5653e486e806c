-- +goose Up
-- Pull subscriptions (mockserver listen): a listener owns an endpoint whose
-- URL is the server's own inbox, and keeps what arrives there, numbered by
-- seq within the listener, for a client that fetches it. last_seq is the
-- last number given: the next message's comes from it under the row lock.
CREATE TABLE listeners (
    tenant         text NOT NULL,
    id             uuid NOT NULL,
    ord            bigserial,
    integration_id uuid NOT NULL,
    endpoint_id    uuid NOT NULL,
    created_at     timestamptz NOT NULL,
    seen_at        timestamptz NOT NULL,
    last_seq       bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant, id)
);

CREATE TABLE listened (
    tenant      text NOT NULL,
    listener_id uuid NOT NULL,
    seq         bigint NOT NULL,
    received_at timestamptz NOT NULL,
    headers     jsonb NOT NULL,
    body        bytea NOT NULL,
    size        bigint NOT NULL, -- body and header bytes, for the listener's cap
    PRIMARY KEY (tenant, listener_id, seq)
);

-- +goose Down
DROP TABLE listened;
DROP TABLE listeners;
