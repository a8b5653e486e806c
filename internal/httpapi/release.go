package httpapi

import (
	"context"
	"net/http"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/webhooks"
)

// written carries what a wire call wrote to the outbox (its events and
// their deliveries) from serve to the wrappers around it: observe counts
// the events, releaseWebhooks releases the deliveries.
type written struct{ rec *webhooks.Recorder }

type writtenKey struct{}

// writtenBy is the request's carrier; nil outside releaseWebhooks, which
// is harmless: setting and reading through a nil carrier do nothing.
func writtenBy(r *http.Request) *written {
	wr, _ := r.Context().Value(writtenKey{}).(*written)
	return wr
}

func (wr *written) set(rec *webhooks.Recorder) {
	if wr != nil {
		wr.rec = rec
	}
}

// recorder is the call's outbox recorder, or nil (its methods are nil-safe).
func (wr *written) recorder() *webhooks.Recorder {
	if wr == nil {
		return nil
	}
	return wr.rec
}

// releaseWebhooks lets the deliveries written by a call go out once its
// answer has reached the client (contract §4: webhooks follow the 200). It
// wraps every other layer that might buffer the answer, and flushes before
// releasing: until the handler returns, net/http would otherwise still hold
// the answer.
func releaseWebhooks(st store.Store, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		wr := &written{}
		next(w, r.WithContext(context.WithValue(r.Context(), writtenKey{}, wr)))
		releaseAfterAnswer(w, r, st, wr.rec.Written())
	}
}

// releaseAfterAnswer flushes the answer already written to w, then lets the
// deliveries go out.
func releaseAfterAnswer(w http.ResponseWriter, r *http.Request, st store.Store, ids []uuid.UUID) {
	if len(ids) == 0 {
		return
	}
	_ = http.NewResponseController(w).Flush()
	if err := webhooks.Release(context.WithoutCancel(r.Context()), st, Tenant(r), ids); err != nil {
		logger(r).Warn("release webhooks", "error", err)
	}
}
