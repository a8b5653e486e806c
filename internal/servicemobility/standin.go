package servicemobility

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/store"
	"github.com/partifact/mockserver/internal/webhooks"
)

// Submission is a call to the stand-in's Parts Ordering API.
type Submission struct {
	Tenant string
	Token  string // the x-access-token header
	Body   []byte
	// Forwarded: the call carries ForwardedHeader, so it comes from a
	// stand-in (an endpoint configured to point back at one).
	Forwarded bool
}

// Relay is the stand-in's answer: the endpoint's status and body, unchanged.
type Relay struct {
	Status int
	Body   []byte
	// Check is the contract check of the endpoint's answer, already in the
	// tenant's log; zero when nothing was forwarded.
	Check store.ContractCheck
	// RecordErr is why the check could not be logged (the answer stands).
	RecordErr error
	// Written is what the in-process reference wrote to the outbox: release
	// it once the answer is written.
	Written webhooks.Written
}

// PartsOrdering is POST /seiapi/v3/mobile/PartsOrdering. It opens its own
// transactions (a read to authenticate and find the endpoint, the
// reference implementation's write when no endpoint is configured) and
// calls the endpoint outside any, so it takes the store, not a Tx. An *Error
// comes back when the stand-in refuses the call (nothing forwarded, Check
// zero) or when the endpoint gave no answer (Check says why).
func (s *Service) PartsOrdering(ctx context.Context, st store.Store, sub Submission) (Relay, error) {
	if sub.Forwarded {
		return Relay{}, invalid("Forwarding loop: this parts order was forwarded by a ServiceMobility stand-in; %s must not point back at one.", uriField)
	}
	var now time.Time
	var cfg store.MobilityConfig
	err := st.View(ctx, sub.Tenant, func(tx store.Tx) error {
		now = tx.Now()
		if _, err := s.Authenticate(tx, sub.Token); err != nil {
			return err
		}
		if _, err := ParsePartsOrder(sub.Body); err != nil {
			return err
		}
		var err error
		cfg, err = tx.MobilityConfig()
		return err
	})
	if err != nil {
		return Relay{}, err
	}
	target := s.Target(st, sub.Tenant, cfg)
	// Once sent, the order runs to its end even if the caller goes away:
	// the endpoint may be placing it (the reference implementation commits
	// it), and the check judges the endpoint's whole answer, not a call cut
	// short by the caller. The forwarder's timeout still bounds it.
	reply := target.Submit(context.WithoutCancel(ctx), sub.Token, sub.Body)
	check := Check(reply, target.Name())
	check.ID, check.Time = uuid.New(), now
	relay := Relay{Status: reply.Status, Body: reply.Body, Check: check, Written: reply.Written}
	// Logged whatever becomes of the call, even if its caller has gone.
	relay.RecordErr = st.AddContractCheck(context.WithoutCancel(ctx), sub.Tenant, check)
	if reply.Err != nil {
		relay.Status, relay.Body = 0, nil
		return relay, &Error{HTTPStatus: http.StatusInternalServerError,
			Msg: fmt.Sprintf("The parts ordering endpoint %s gave no answer: %v.", target.Name(), reply.Err)}
	}
	return relay, nil
}

// Target is where the tenant's parts orders go: the configured endpoint, or
// the reference implementation in-process (through the server's edge when
// the service has one).
func (s *Service) Target(st store.Store, tenant string, cfg store.MobilityConfig) Target {
	if cfg.PartsOrderingURI == "" {
		if s.edge != nil {
			return edgeTarget{f: s.forward, edge: s.edge, tenant: tenant}
		}
		return referenceTarget{s: s, st: st, tenant: tenant}
	}
	return s.forward.Target(cfg.PartsOrderingURI, tenant)
}

// ContractCheckV1 is a check record as GET /__servicemobility/checks lists it.
type ContractCheckV1 struct {
	ID           uuid.UUID            `json:"id"`
	Time         string               `json:"time"`
	Target       string               `json:"target"`
	Status       int                  `json:"status"`
	LatencyMS    float64              `json:"latency_ms"`
	OK           bool                 `json:"ok"`
	FindingCount int                  `json:"finding_count"`
	Findings     []store.CheckFinding `json:"findings"`
}

// ContractChecksV1 is the answer of GET /__servicemobility/checks.
type ContractChecksV1 struct {
	Items []ContractCheckV1 `json:"items"`
}

// Checks is GET /__servicemobility/checks: the tenant's checks, newest
// first; limit 0 lists all it keeps (store.CheckLogCap).
func Checks(ctx context.Context, st store.Store, tenant string, limit int) (ContractChecksV1, error) {
	cs, err := st.ContractChecks(ctx, tenant, limit)
	if err != nil {
		return ContractChecksV1{}, err
	}
	out := ContractChecksV1{Items: make([]ContractCheckV1, len(cs))}
	for i, c := range cs {
		out.Items[i] = ContractCheckV1{
			ID: c.ID, Time: c.Time.UTC().Format(time.RFC3339Nano), Target: c.Target, Status: c.Status,
			LatencyMS: float64(c.Latency.Microseconds()) / 1000, OK: c.OK, FindingCount: c.FindingCount,
			Findings: c.Findings,
		}
		if out.Items[i].Findings == nil {
			out.Items[i].Findings = []store.CheckFinding{}
		}
	}
	return out, nil
}
