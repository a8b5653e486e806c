package dashboard

import (
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/partifact/mockserver/internal/partage"
	"github.com/partifact/mockserver/internal/seed"
	sm "github.com/partifact/mockserver/internal/servicemobility"
)

type homeData struct {
	Title   string
	Sandbox bool
	// Locked: the server has a sandbox token this browser has not given.
	Locked bool
	Base   string // the server's URL as the browser reached it, for the examples
	APIs   []apiView
	Guides []link
	Texts  []link
	// The worlds, with the sandbox routes only.
	Worlds      []worldView
	WorldsAlive string
	MoreWorlds  int
	Creds       []credView
	Client      clientView
	// The demo credentials of the other APIs served: Partage's tokens, the
	// ServiceMobility stand-in's technician (ID and Secret its logon).
	PartageTokens []credView
	Technician    *clientView
	Demo          credView // the repairer of the first call
	DemoJob       string   // and the job it reads
}

type apiView struct {
	Title, Name, Prefix string
	Docs                []link
}

type worldView struct {
	Name, Href, LastUsed, Ago string
	Shared                    bool
}

type credView struct {
	Who, APIKey, IntegrationID, WebhookSecret string
}

type clientView struct{ ID, Secret, AccessCode string }

// home is the page at / and /ui/.
func (d *Dashboard) home(w http.ResponseWriter, r *http.Request) {
	data := homeData{Title: "Mock server", Sandbox: !d.cfg.NoSandboxRoutes, Base: baseURL(r),
		Locked: !d.cfg.NoSandboxRoutes && !d.unlocked(r),
		Guides: d.pages,
		Texts: []link{{"/llms.txt: the APIs for language models, an index", "/llms.txt"},
			{"/llms-full.txt: every operation with its request, answer and errors", "/llms-full.txt"}},
		Client:  clientView{seed.DemoClientID, seed.DemoClientSecret, seed.DemoAccessCode},
		Demo:    credView{APIKey: seed.RepairerAPIKey, IntegrationID: seed.RepairerIntegrationID.String()},
		DemoJob: seed.DemoJobExternalID,
	}
	// The seeded integrations are the published demo credentials.
	world := seed.New()
	orgs := map[uuid.UUID]string{}
	for _, o := range world.Organizations {
		orgs[o.ID] = o.Name
	}
	for _, in := range world.Integrations {
		data.Creds = append(data.Creds, credView{Who: fmt.Sprintf("%s (%s)", orgs[in.OrganizationID], in.Role),
			APIKey: in.APIKey, IntegrationID: in.ID.String(), WebhookSecret: in.WebhookSecret})
	}
	for _, m := range d.cfg.Modules {
		switch m.Name {
		case partage.Name:
			for _, c := range world.PartageCompanies {
				if c.APIToken != nil {
					data.PartageTokens = append(data.PartageTokens, credView{Who: c.Name, APIKey: *c.APIToken})
				}
			}
		case sm.Name:
			data.Technician = &clientView{ID: sm.DemoUsername, Secret: sm.DemoPassword}
		}
		a := apiView{Title: m.Doc.Info.Title, Name: m.Name, Prefix: m.Prefix}
		for _, doc := range d.cfg.Docs {
			if doc.Name == m.Doc.Name {
				a.Docs = append(a.Docs, link{doc.Path + " (OpenAPI 3.1)", doc.Path})
				if doc.Derived30 != "" {
					a.Docs = append(a.Docs, link{doc.Derived30 + " (the same, as OpenAPI 3.0)", doc.Derived30})
				}
			}
		}
		data.APIs = append(data.APIs, a)
	}
	if data.Sandbox {
		for _, doc := range d.cfg.Docs {
			if doc.Prefix == "" {
				data.Texts = append(data.Texts, link{doc.Path + ": the sandbox controls (/__ routes)", doc.Path})
			}
		}
	}
	if data.Sandbox && !data.Locked {
		uses, n, err := d.st.Tenants(r.Context(), MaxWorlds)
		if err != nil {
			d.errorPage(w, r, err)
			return
		}
		now := time.Now()
		for _, u := range uses {
			data.Worlds = append(data.Worlds, worldView{Name: worldName(u.Name), Shared: u.Name == "",
				Href: worldURL(u.Name, nil), LastUsed: stamp(u.LastUsed), Ago: ago(now.Sub(u.LastUsed))})
		}
		data.WorldsAlive, data.MoreWorlds = plural(n, "world", "worlds"), n-len(uses)
	}
	d.render(w, http.StatusOK, "home", data)
}

// ago says roughly how long ago something was.
func ago(d time.Duration) string {
	switch {
	case d < 5*time.Second:
		return "just now"
	case d < time.Minute:
		return fmt.Sprintf("%d s ago", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	}
	return fmt.Sprintf("%d days ago", int(d.Hours()/24))
}
