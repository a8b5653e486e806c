package dashboard

import (
	"context"
	"fmt"
	"strconv"

	sm "github.com/partifact/mockserver/internal/servicemobility"
	"github.com/partifact/mockserver/internal/store"
)

// MaxChecks is how many contract checks the ServiceMobility section shows,
// the newest (the world keeps store.CheckLogCap).
const MaxChecks = 50

// ServiceMobility is the ServiceMobility module's section: where the
// stand-in sends parts orders (the world's SysConfig), and its contract
// checks, newest first, each with the findings that say where an
// endpoint's answer differs from the interface, as GET
// /__servicemobility/checks lists them.
func ServiceMobility() Section { return partsOrdering{} }

type partsOrdering struct{}

func (partsOrdering) Title() string { return "ServiceMobility parts ordering" }

func (partsOrdering) Read(_ context.Context, tx store.Tx) ([]Table, error) {
	cfg, err := tx.MobilityConfig()
	if err != nil {
		return nil, err
	}
	t := Table{Title: "Parts ordering endpoint",
		Note:    "SysConfig PartsOrdering.EntityServiceURI: where POST /servicemobility/seiapi/v3/mobile/PartsOrdering forwards each order.",
		Columns: []string{"EntityServiceURI", "Orders go to", "Set at"}}
	uri, to := "—", "the reference implementation ("+sm.ReferenceTarget+"), which orders from this world's Partly catalogue"
	if cfg.PartsOrderingURI != "" {
		uri, to = cfg.PartsOrderingURI, "the endpoint, over HTTP"
	}
	t.Rows = []Row{{ID: "servicemobility-endpoint", Cells: []Cell{Code(uri), Text(to), When(cfg.UpdatedAt)}}}
	return []Table{t}, nil
}

func (partsOrdering) ReadLog(ctx context.Context, st store.Store, tenant string) ([]Table, error) {
	t := Table{Title: "Contract checks", Empty: "No parts order was forwarded yet.",
		Note:    "Each answer of the parts ordering endpoint, judged against the interface; newest first.",
		Columns: []string{"Time", "Target", "Answer", "Latency", "Verdict"}}
	cs, err := st.ContractChecks(ctx, tenant, MaxChecks+1)
	if err != nil {
		return nil, err
	}
	if len(cs) > MaxChecks {
		cs = cs[:MaxChecks]
		t.Note += fmt.Sprintf(" The newest %d; GET %s lists up to %d.", MaxChecks, sm.PathChecks, store.CheckLogCap)
	}
	for _, c := range cs {
		answer, verdict := "no answer", "ok"
		if c.Status != 0 {
			answer = strconv.Itoa(c.Status)
		}
		if !c.OK {
			verdict = plural(c.FindingCount, "finding", "findings")
		}
		findings := Table{Title: "Findings", Empty: "None: the answer follows the interface.", Columns: []string{"JSON path", "Finding"},
			More: c.FindingCount - len(c.Findings)}
		for _, f := range c.Findings {
			findings.Rows = append(findings.Rows, Row{Cells: []Cell{Code(orNone(f.Path)), Text(f.Message)}})
		}
		t.Rows = append(t.Rows, Row{ID: "check-" + c.ID.String(),
			Cells:   []Cell{whenMS(c.Time), Code(c.Target), Badge(answer), Num(ms(c.Latency)), Badge(verdict)},
			Details: []Table{findings}, DetailsLabel: plural(c.FindingCount, "finding", "findings")})
	}
	return []Table{t}, nil
}
