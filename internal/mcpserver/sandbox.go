package mcpserver

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/store"
)

// Sandbox is the extension of the sandbox controls every API shares: reset,
// the clock, webhooks; and the deliveries of scenario://current. Its tools
// call the /__ routes, so the server serves MCP only where it serves those.
// subscribers are the integrations inspect_webhooks subscribes to the
// built-in sink.
func Sandbox(subscribers ...Subscriber) Extension {
	return Extension{
		Name: "webhooks",
		Tools: []Tool{
			NewTool("reset_world", "Re-seed this session's world: every record, webhook, fault, journal entry and the clock go back to the start.", nil, resetWorld,
				Changes("Reset the world", true, true)),
			NewTool("advance_clock", "Move this world's clock forward (by a duration or to a time) or back to wall time, e.g. to expire access codes or fire retries and auto-confirms.", Hints{
				"bad_request": "the clock only moves forward: give by as a positive duration (90s, 20m, 48h), to as an RFC 3339 time after now, or real: true",
			}, advanceClock,
				Example("by", "2h", "30s"), Example("to", exampleTime(time.Now())), Bound("by", 1, 32), Bound("to", 1, 64),
				Changes("Advance the clock", false, false)),
			NewTool("inspect_webhooks", "See the webhooks this world sent: events by type, subscribed endpoints, and the delivery log with every attempt; optionally subscribe the built-in sink first.", Hints{
				"bad_query": "type is an event type such as repairer.procurement.order_confirmed; status is pending, in_flight, delivered or failed",
			}, func(ctx context.Context, w *World, in inspectIn) (inspectOut, error) {
				return inspectWebhooks(ctx, w, in, subscribers)
			},
				Example("type", "repairer.procurement.order_confirmed"), Bound("type", 1, 100),
				Enum("status", store.DeliveryPending, store.DeliveryInFlight, store.DeliveryDelivered, store.DeliveryFailed),
				Range("limit", 1, MaxListItems), Example("limit", 20),
				Changes("Inspect webhooks", true, false)),
		},
		Scenario: deliveriesScenario,
	}
}

// Subscriber is an integration whose webhooks the sink may receive.
type Subscriber struct {
	Name          string // "repairer (Southern Cross Panel & Paint)"
	IntegrationID uuid.UUID
}

type resetIn struct{}

type resetOut struct {
	World string `json:"world" jsonschema:"the world that was reset"`
	Reset bool   `json:"reset"`
	Next  string `json:"next"`
}

func resetWorld(ctx context.Context, w *World, _ resetIn) (resetOut, error) {
	if err := w.Call(ctx, Request{Path: "/__reset"}, nil); err != nil {
		return resetOut{}, err
	}
	return resetOut{World: w.Name, Reset: true, Next: "the world is as seeded: call get_started"}, nil
}

// exampleTime is a time advance_clock's examples can move to: 09:00 UTC two
// days after now (a time before the world's now is refused).
func exampleTime(now time.Time) string {
	return now.UTC().Truncate(24*time.Hour).AddDate(0, 0, 2).Add(9 * time.Hour).Format(time.RFC3339)
}

type clockIn struct {
	By   string `json:"by,omitempty" jsonschema:"how far to move the clock forward, a Go duration (90s, 20m, 48h)"`
	To   string `json:"to,omitempty" jsonschema:"an RFC 3339 time to move the clock to, not before now"`
	Real bool   `json:"real,omitempty" jsonschema:"true puts the clock back on wall time (the only way back)"`
}

type clockOut struct {
	Now    string `json:"now" jsonschema:"the world's time now, RFC 3339"`
	Offset string `json:"offset" jsonschema:"how far the world's clock is ahead of wall time"`
	Real   bool   `json:"real" jsonschema:"whether the clock is wall time"`
	Next   string `json:"next"`
}

func advanceClock(ctx context.Context, w *World, in clockIn) (clockOut, error) {
	body := map[string]any{}
	n := 0
	if in.By != "" {
		body["advance"] = in.By
		n++
	}
	if in.To != "" {
		body["set"] = in.To
		n++
	}
	if in.Real {
		body["real"] = true
		n++
	}
	if n != 1 {
		return clockOut{}, Fail(CodeInvalidInput, fmt.Sprintf(`give exactly one of by ("2h"), to (an RFC 3339 time after the world's now, such as %q) or real (true)`, exampleTime(time.Now())))
	}
	var out struct {
		Now    string `json:"now"`
		Offset string `json:"offset"`
		Real   bool   `json:"real"`
	}
	if err := w.Call(ctx, Request{Path: "/__clock", Body: body}, &out); err != nil {
		return clockOut{}, err
	}
	return clockOut{Now: out.Now, Offset: out.Offset, Real: out.Real,
		Next: "timestamps, access-code expiry, webhook retries and supplier auto-confirm now read this time; inspect_webhooks shows retries that came due"}, nil
}

type inspectIn struct {
	SubscribeSink bool   `json:"subscribe_sink,omitempty" jsonschema:"first subscribe the built-in sink to the demo repairer's and supplier's webhooks, so that later events are delivered and logged (idempotent)"`
	Type          string `json:"type,omitempty" jsonschema:"only deliveries of this event type"`
	Status        string `json:"status,omitempty" jsonschema:"only deliveries in this status"`
	Limit         int    `json:"limit,omitempty" jsonschema:"the newest this many deliveries (default 20)"`
}

type eventCount struct {
	Type  string `json:"type"`
	Count int    `json:"count" jsonschema:"how many this world sent (one per receiving role)"`
}

type endpointOut struct {
	Integration   string `json:"integration"`
	IntegrationID string `json:"integration_id"`
	URL           string `json:"url"`
}

type attemptOut struct {
	Number     int    `json:"number"`
	At         string `json:"at"`
	StatusCode *int   `json:"status_code" jsonschema:"the receiver's status, null when it could not be reached"`
	Error      string `json:"error,omitempty"`
}

type deliveryOut struct {
	ID            string       `json:"id"`
	Type          string       `json:"type"`
	Status        string       `json:"status" jsonschema:"pending, in_flight, delivered or failed"`
	IntegrationID string       `json:"integration_id" jsonschema:"the receiving integration"`
	Object        string       `json:"object" jsonschema:"what the event is about: type and id"`
	URL           string       `json:"url"`
	AttemptCount  int          `json:"attempt_count"`
	NextAttemptAt *string      `json:"next_attempt_at"`
	LastError     *string      `json:"last_error"`
	CreatedAt     string       `json:"created_at"`
	Attempts      []attemptOut `json:"attempts" jsonschema:"the last few attempts"`
}

type sinkOut struct {
	URL            string `json:"url"`
	Received       int    `json:"received" jsonschema:"requests the sink kept (the newest 500)"`
	SignatureValid int    `json:"signature_valid" jsonschema:"of those, how many carried a valid signature"`
}

type inspectOut struct {
	Events     []eventCount  `json:"events" jsonschema:"event types this world has sent, with counts"`
	Endpoints  []endpointOut `json:"endpoints" jsonschema:"where the demo integrations' webhooks go"`
	Deliveries []deliveryOut `json:"deliveries" jsonschema:"the delivery log, newest first"`
	// DeliveriesShown is len(Deliveries); a full page means there may be more.
	DeliveriesShown int     `json:"deliveries_shown"`
	Sink            sinkOut `json:"sink"`
	Next            string  `json:"next"`
}

// maxAttemptsShown bounds the attempts listed per delivery.
const maxAttemptsShown = 8

func inspectWebhooks(ctx context.Context, w *World, in inspectIn, subscribers []Subscriber) (inspectOut, error) {
	sink := w.BaseURL() + "/__webhooks/sink"
	if in.SubscribeSink {
		for _, s := range subscribers {
			err := w.Call(ctx, Request{Path: "/__webhooks/subscribe", Body: map[string]any{"integration_id": s.IntegrationID, "url": sink}}, nil)
			if err != nil {
				return inspectOut{}, err
			}
		}
	}
	out := inspectOut{Events: []eventCount{}, Endpoints: []endpointOut{}, Deliveries: []deliveryOut{}, Sink: sinkOut{URL: sink}}

	var cov struct {
		Webhooks []struct {
			Name  string `json:"name"`
			Count int    `json:"count"`
		} `json:"webhooks"`
	}
	if err := w.Call(ctx, Request{Method: "GET", Path: "/__coverage"}, &cov); err != nil {
		return inspectOut{}, err
	}
	for _, e := range cov.Webhooks {
		if e.Count > 0 && len(out.Events) < MaxListItems {
			out.Events = append(out.Events, eventCount{Type: e.Name, Count: e.Count})
		}
	}

	for _, s := range subscribers {
		var in struct {
			Endpoints []struct {
				URL string `json:"url"`
			} `json:"endpoints"`
		}
		if err := w.Call(ctx, Request{Method: "GET", Path: "/__webhooks/integrations/" + s.IntegrationID.String()}, &in); err != nil {
			return inspectOut{}, err
		}
		for _, ep := range in.Endpoints {
			if len(out.Endpoints) < MaxListItems {
				out.Endpoints = append(out.Endpoints, endpointOut{Integration: s.Name, IntegrationID: s.IntegrationID.String(), URL: ep.URL})
			}
		}
	}

	limit := in.Limit
	if limit == 0 {
		limit = 20
	}
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	if in.Type != "" {
		q.Set("type", in.Type)
	}
	if in.Status != "" {
		q.Set("status", in.Status)
	}
	var log struct {
		Items []struct {
			ID            string  `json:"id"`
			Type          string  `json:"type"`
			Status        string  `json:"status"`
			IntegrationID string  `json:"integration_id"`
			URL           string  `json:"url"`
			AttemptCount  int     `json:"attempt_count"`
			NextAttemptAt *string `json:"next_attempt_at"`
			LastError     *string `json:"last_error"`
			CreatedAt     string  `json:"created_at"`
			Object        struct {
				Type string `json:"type"`
				ID   string `json:"id"`
			} `json:"object"`
			Attempts []struct {
				Number     int     `json:"number"`
				At         string  `json:"at"`
				StatusCode *int    `json:"status_code"`
				Error      *string `json:"error"`
			} `json:"attempts"`
		} `json:"items"`
	}
	if err := w.Call(ctx, Request{Method: "GET", Path: "/__webhooks/deliveries?" + q.Encode()}, &log); err != nil {
		return inspectOut{}, err
	}
	for _, d := range log.Items {
		do := deliveryOut{ID: d.ID, Type: d.Type, Status: d.Status, IntegrationID: d.IntegrationID,
			Object: d.Object.Type + " " + d.Object.ID, URL: d.URL, AttemptCount: d.AttemptCount,
			NextAttemptAt: d.NextAttemptAt, LastError: d.LastError, CreatedAt: d.CreatedAt, Attempts: []attemptOut{}}
		for _, a := range d.Attempts[max(0, len(d.Attempts)-maxAttemptsShown):] {
			ao := attemptOut{Number: a.Number, At: a.At, StatusCode: a.StatusCode}
			if a.Error != nil {
				ao.Error = *a.Error
			}
			do.Attempts = append(do.Attempts, ao)
		}
		out.Deliveries = append(out.Deliveries, do)
	}
	out.DeliveriesShown = len(out.Deliveries)

	var recs struct {
		Items []struct {
			SignatureValid bool `json:"signature_valid"`
		} `json:"items"`
	}
	if err := w.Call(ctx, Request{Method: "GET", Path: "/__webhooks/sink"}, &recs); err != nil {
		return inspectOut{}, err
	}
	out.Sink.Received = len(recs.Items)
	for _, r := range recs.Items {
		if r.SignatureValid {
			out.Sink.SignatureValid++
		}
	}

	switch {
	case len(out.Endpoints) == 0:
		out.Next = "no endpoint is subscribed, so events are counted but not delivered: call inspect_webhooks with subscribe_sink true, then act (place_procurement, confirm_as_supplier)"
	case len(out.Deliveries) == 0:
		out.Next = "endpoints are subscribed but nothing was sent since: place or confirm a procurement, then inspect again"
	default:
		out.Next = "deliveries go out after each call's answer; pending ones retry on the world's clock (advance_clock moves it)"
	}
	return out, nil
}

// deliveriesScenario is the delivery log's part of scenario://current,
// read from the store.
func deliveriesScenario(ctx context.Context, w *World) (any, error) {
	type item struct {
		Type      string `json:"type"`
		Status    string `json:"status"`
		Object    string `json:"object"`
		URL       string `json:"url"`
		Attempts  int    `json:"attempts"`
		CreatedAt string `json:"created_at"`
	}
	out := struct {
		Deliveries []item `json:"deliveries"`
		Shown      int    `json:"shown"`
		Note       string `json:"note,omitempty"`
	}{Deliveries: []item{}}
	err := w.View(ctx, func(tx store.Tx) error {
		ds, err := tx.Deliveries(store.DeliveryFilter{Limit: MaxListItems})
		if err != nil {
			return err
		}
		for _, d := range ds {
			out.Deliveries = append(out.Deliveries, item{Type: d.Type, Status: d.Status,
				Object: fmt.Sprintf("%s %s", d.ObjectType, d.ObjectID), URL: d.URL, Attempts: d.Attempts,
				CreatedAt: d.CreatedAt.UTC().Format(time.RFC3339)})
		}
		return nil
	})
	out.Shown = len(out.Deliveries)
	if out.Shown == MaxListItems {
		out.Note = fmt.Sprintf("the newest %d; inspect_webhooks filters the log", MaxListItems)
	}
	return out, err
}
