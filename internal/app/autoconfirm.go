package app

import (
	"context"
	"errors"

	"github.com/partifact/mockserver/internal/methods"
	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/webhooks"
)

// autoConfirmBatch bounds the procurements confirmed per pass.
const autoConfirmBatch = 100

// confirmDue plays every supplier: a procurement still order_requested
// SupplierAutoConfirm after its creation, on its tenant's clock, is
// confirmed with the same transition and webhooks as
// supplier.procurements.confirm.
func (a *App) confirmDue(ctx context.Context) error {
	age := a.cfg.SupplierAutoConfirm
	due, err := a.store.DueProcurements(ctx, age, autoConfirmBatch)
	if err != nil || len(due) == 0 {
		return err
	}
	var errs []error
	for _, d := range due {
		var held *webhooks.Recorder
		err := a.store.Update(ctx, d.Tenant, func(tx store.Tx) error {
			held = webhooks.Track(tx)
			p, err := tx.ProcurementByID(d.ID)
			if err != nil {
				return err
			}
			// Another instance, a trigger or the supplier may have acted
			// since the list was read.
			if p.Status != store.ProcurementOrderRequested || tx.Now().Sub(p.CreatedAt) < age {
				return nil
			}
			_, err = methods.ConfirmProcurement(held, p)
			return err
		})
		if errors.Is(err, store.ErrNotFound) { // the tenant was reset meanwhile
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		a.recorder.CountEvents(d.Tenant, held.EventTypes())
		// No caller awaits an answer: the webhooks may go at once.
		if err := webhooks.Release(ctx, a.store, d.Tenant, held.Written()); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
