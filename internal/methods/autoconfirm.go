package methods

import (
	"context"
	"errors"
	"time"

	"github.com/partifact/mockserver/internal/httpapi"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/webhooks"
)

// autoConfirmBatch bounds the procurements confirmed per pass.
const autoConfirmBatch = 100

// autoConfirm plays every supplier: a procurement still order_requested
// SupplierAutoConfirm after its creation, on its tenant's clock, is
// confirmed with the same transition and webhooks as
// supplier.procurements.confirm.
type autoConfirm struct{ cfg Config }

// newAutoConfirm polls the store for due procurements. They are asked of
// the store on every pass, so several instances on one database share the
// work and a moved tenant clock is seen at once.
func newAutoConfirm(cfg Config) httpapi.Service {
	a := &autoConfirm{cfg: cfg}
	interval := min(max(cfg.SupplierAutoConfirm/4, 10*time.Millisecond), 500*time.Millisecond)
	return httpapi.Every(interval, "supplier auto-confirm", cfg.Logger, a.confirmDue)
}

func (a *autoConfirm) confirmDue(ctx context.Context) error {
	age := a.cfg.SupplierAutoConfirm
	due, err := a.cfg.Store.DueProcurements(ctx, age, autoConfirmBatch)
	if err != nil || len(due) == 0 {
		return err
	}
	var errs []error
	for _, d := range due {
		w, err := webhooks.Work(ctx, a.cfg.Store, d.Tenant, true, func(tx store.Tx) error {
			p, err := tx.ProcurementByID(d.ID)
			if err != nil {
				return err
			}
			// Another instance, a trigger or the supplier may have acted
			// since the list was read.
			if p.Status != store.ProcurementOrderRequested || tx.Now().Sub(p.CreatedAt) < age {
				return nil
			}
			_, err = ConfirmProcurement(tx, p)
			return err
		})
		if errors.Is(err, store.ErrNotFound) { // the tenant was reset meanwhile
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if a.cfg.Wrote != nil {
			a.cfg.Wrote(d.Tenant, w)
		}
		// No caller awaits an answer: the webhooks may go at once.
		if err := w.Release(ctx, a.cfg.Store, d.Tenant); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
