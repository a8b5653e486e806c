package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/partifact/mockserver/internal/seed"
)

// seedCountry is the register the seeded vehicles' plates belong to: the
// seeded world knows New Zealand plates only.
const seedCountry = "NZ"

// insertSeed writes the seeded world (seed.New) of tenant in one round trip.
func insertSeed(ctx context.Context, q pgx.Tx, tenant string) error {
	w := seed.New()
	b := &pgx.Batch{}
	add := func(sql string, args ...any) { b.Queue(sql, append([]any{tenant}, args...)...) }
	for _, o := range w.Organizations {
		add(`INSERT INTO organizations (tenant, id, name, role) VALUES ($1, $2, $3, $4)`, o.ID, o.Name, o.Role)
	}
	for _, x := range w.Businesses {
		a := x.Address
		add(`INSERT INTO businesses (tenant, `+businessCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			x.ID, x.OrganizationID, x.Name, x.Role, a.Line1, a.City, a.Region, a.Postcode, a.Country)
	}
	for _, i := range w.Integrations {
		add(`INSERT INTO integrations (tenant, `+integrationCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			i.ID, i.APIKey, i.OrganizationID, i.Role, i.ClientID, i.WebhookSecret, i.CreatedAt)
	}
	for _, c := range w.Clients {
		add(`INSERT INTO clients (tenant, id, secret, name, redirect_urls) VALUES ($1, $2, $3, $4, $5)`,
			c.ID, c.Secret, c.Name, c.RedirectURLs)
	}
	for _, c := range w.AccessCodes {
		add(`INSERT INTO access_codes (tenant, code, client_id, organization_id, role, expires_at, used_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, c.Code, c.ClientID, c.OrganizationID, c.Role, c.ExpiresAt, c.UsedAt)
	}
	for n, p := range w.WorkProviders {
		add(`INSERT INTO work_providers (tenant, id, ordinal, name, kind) VALUES ($1, $2, $3, $4, $5)`, p.ID, n, p.Name, p.Kind)
	}
	for n, v := range w.Vehicles {
		add(`INSERT INTO vehicles (tenant, ordinal, country, `+vehicleCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			n, seedCountry, v.VIN, v.Plate, v.Make, v.Model, v.Year, v.BodyStyle, v.Colour)
	}
	for n, c := range w.Catalogue {
		add(`INSERT INTO catalogue (tenant, id, ordinal, supplier_id, part_number, description, unit_price_cents,
			quantity_available, condition, lead_time_days) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			c.ID, n, c.SupplierID, c.PartNumber, c.Description, c.UnitPriceCents, c.QuantityAvailable, c.Condition, c.LeadTimeDays)
	}
	for _, j := range w.Jobs {
		v, err := vehicleJSON(j.Vehicle)
		if err != nil {
			return err
		}
		add(`INSERT INTO jobs (tenant, `+jobCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			j.ID, j.OrganizationID, j.SiteID, j.ExternalID, j.ClaimNumber, j.JobNumber, v, j.WorkProviderID, images(j),
			j.Status, j.CreatedAt, j.UpdatedAt)
	}
	queuePartageSeed(b, tenant, w)
	return q.SendBatch(ctx, b).Close()
}
