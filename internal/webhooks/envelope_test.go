package webhooks

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/store"
)

// TestEnvelopeKeepsAmpersands: the payload's bytes go out as the API wrote
// them, without HTML escapes.
func TestEnvelopeKeepsAmpersands(t *testing.T) {
	t.Parallel()
	d := store.Delivery{MessageID: uuid.New(), Type: "repairer.job.inserted", IntegrationID: uuid.New(),
		ObjectType: "job", ObjectID: uuid.New(), Payload: []byte(`{"name":"Panel & Paint <Addington>"}`)}
	b, err := Envelope(d, 1, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`"payload":{"name":"Panel & Paint <Addington>"}`)) || bytes.Contains(b, []byte(`\u00`)) || bytes.HasSuffix(b, []byte("\n")) {
		t.Fatalf("envelope: %s", b)
	}
}
