-- The newest quotes of a world are listed by rank (the dashboard, the MCP
-- scenario).

-- +goose Up
CREATE INDEX partage_quotes_seq ON partage_quotes (tenant, seq);

-- +goose Down
DROP INDEX partage_quotes_seq;
