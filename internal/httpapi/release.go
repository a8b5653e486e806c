package httpapi

import (
	"context"
	"net/http"
	"sync"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/webhooks"
)

// held collects the deliveries a call wrote (webhooks.Hold keeps them from
// going out on their own for a while).
type held struct {
	mu  sync.Mutex
	ids []uuid.UUID
}

type heldKey struct{}

// heldWebhooks is the request's collection; adding to a request without
// one (no releaseWebhooks around it) is a no-op, and the deliveries go out
// when their hold ends.
func heldWebhooks(r *http.Request) *held {
	h, _ := r.Context().Value(heldKey{}).(*held)
	return h
}

func (h *held) add(ids []uuid.UUID) {
	if h == nil || len(ids) == 0 {
		return
	}
	h.mu.Lock()
	h.ids = append(h.ids, ids...)
	h.mu.Unlock()
}

// releaseWebhooks lets the deliveries written by a call go out once its
// answer has reached the client (contract §4: webhooks follow the 200). It
// wraps every other layer that might buffer the answer, and flushes before
// releasing: until the handler returns, net/http would otherwise still hold
// the answer.
func releaseWebhooks(st store.Store, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h := &held{}
		next(w, r.WithContext(context.WithValue(r.Context(), heldKey{}, h)))
		releaseAfterAnswer(w, r, st, h.ids)
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
