package sandboxclient

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Listener is a pull subscription (POST /__webhooks/listen).
type Listener struct {
	ListenerID    string `json:"listener_id"`
	IntegrationID string `json:"integration_id"`
	EndpointID    string `json:"endpoint_id"`
	Secret        string `json:"secret"`
	// WaitMax is the longest wait a poll may ask for; IdleAfter how long a
	// listener nobody polls lives.
	WaitMaxSeconds   int `json:"wait_max_seconds"`
	IdleAfterSeconds int `json:"idle_after_seconds"`
}

// Listen opens a listener for the integration's deliveries.
func (c *Client) Listen(ctx context.Context, integrationID string) (Listener, error) {
	var out Listener
	err := c.Do(ctx, http.MethodPost, "/__webhooks/listen", map[string]string{"integration_id": integrationID}, &out)
	return out, err
}

// Delivery is one request the server's own receiver got for a listener:
// exactly the headers and bytes the server sent.
type Delivery struct {
	Seq        int64             `json:"seq"`
	ReceivedAt time.Time         `json:"received_at"`
	Headers    map[string]string `json:"headers"`
	Body       []byte            `json:"body_base64"` // encoding/json reads base64 into []byte
}

// Page is one answer of a poll.
type Page struct {
	Items []Delivery `json:"items"`
	// Next is the cursor of the next poll: the last item's seq, or the
	// cursor sent when no item came.
	Next int64 `json:"next"`
	// Missed counts deliveries after the cursor that were dropped (the
	// listener keeps a bounded number) before anyone fetched them.
	Missed int64 `json:"missed"`
}

// Poll fetches the listener's deliveries after cursor, waiting up to wait
// for one to come when there are none yet.
func (c *Client) Poll(ctx context.Context, listenerID string, after int64, wait time.Duration) (Page, error) {
	q := url.Values{"after": {strconv.FormatInt(after, 10)}, "wait": {wait.String()}}
	var out Page
	err := c.Do(ctx, http.MethodGet, "/__webhooks/listen/"+url.PathEscape(listenerID)+"?"+q.Encode(), nil, &out)
	return out, err
}

// Unlisten closes a listener and its endpoint.
func (c *Client) Unlisten(ctx context.Context, listenerID string) error {
	return c.Do(ctx, http.MethodDelete, "/__webhooks/listen/"+url.PathEscape(listenerID), nil, nil)
}
