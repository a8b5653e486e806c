-- A tenant's version changes whenever what an instance may keep of the
-- tenant in its own memory changes: its integrations (the credentials every
-- call checks) and its webhook endpoints (every event fans out to them); a
-- reset sets a new one too. Versions come from one sequence, so a tenant dropped and
-- seeded again never shows a version it had before. Every transaction reads
-- the version in its opening round trip and trusts what the instance kept
-- only at that version (see internal/store/postgres/cache.go).

-- +goose Up
CREATE SEQUENCE tenant_versions;
ALTER TABLE tenants ADD COLUMN version bigint NOT NULL DEFAULT nextval('tenant_versions');

-- +goose StatementBegin
CREATE FUNCTION bump_tenant_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tenants SET version = nextval('tenant_versions')
    WHERE tenant = (CASE WHEN TG_OP = 'DELETE' THEN OLD.tenant ELSE NEW.tenant END);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER integrations_version AFTER INSERT OR UPDATE OR DELETE ON integrations
    FOR EACH ROW EXECUTE FUNCTION bump_tenant_version();
CREATE TRIGGER endpoints_version AFTER INSERT OR UPDATE OR DELETE ON endpoints
    FOR EACH ROW EXECUTE FUNCTION bump_tenant_version();

-- +goose Down
DROP TRIGGER endpoints_version ON endpoints;
DROP TRIGGER integrations_version ON integrations;
DROP FUNCTION bump_tenant_version();
ALTER TABLE tenants DROP COLUMN version;
DROP SEQUENCE tenant_versions;
