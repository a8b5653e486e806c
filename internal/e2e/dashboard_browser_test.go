package e2e

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/partifact/mockserver/internal/app"
	"github.com/partifact/mockserver/internal/seed"
	sm "github.com/partifact/mockserver/internal/servicemobility"
	"github.com/partifact/mockserver/sandbox"
)

// waitInPage polls a script in the page until it returns true.
func waitInPage(t *testing.T, ctx context.Context, what, script string) {
	t.Helper()
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](script))
		if err == nil && ok {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("browser: %s never happened (%v)", what, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// smallPNG keeps a screenshot small enough to commit: its 256 most
// frequent colours (a page has few besides the edges of its letters), the
// others drawn in the nearest of them, compressed hard.
func smallPNG(b []byte) ([]byte, error) {
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	r := img.Bounds()
	counts := map[color.RGBA]int{}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			counts[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)]++
		}
	}
	colors := slices.Collect(maps.Keys(counts))
	slices.SortFunc(colors, func(a, b color.RGBA) int {
		return cmp.Or(counts[b]-counts[a], cmp.Compare(a.R, b.R), cmp.Compare(a.G, b.G), cmp.Compare(a.B, b.B))
	})
	var pal color.Palette
	for _, c := range colors[:min(len(colors), 256)] {
		pal = append(pal, c)
	}
	out := image.NewPaletted(r, pal)
	index := map[color.RGBA]uint8{}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			i, ok := index[c]
			if !ok {
				i = uint8(pal.Index(c))
				index[c] = i
			}
			out.SetColorIndex(x, y, i)
		}
	}
	var buf bytes.Buffer
	err = (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, out)
	return buf.Bytes(), err
}

func evaluate[T any](t *testing.T, ctx context.Context, script string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](script))
	if err != nil {
		t.Fatalf("browser: %s: %v", script, err)
	}
	return v
}

// TestDashboardInBrowser is the dashboard as a person uses it, in a real
// headless Chromium: the home page opens a world; the README's walk-through
// runs against that world over HTTP and its job, procurement, invoice and
// deliveries appear on the open page without a reload; a new request
// appears in the live journal; markup in a record stays text; reset, once
// confirmed, takes the walk's records away. With DASHBOARD_SCREENSHOTS set
// to a directory, the memory run saves the screenshots docs/ shows.
func TestDashboardInBrowser(t *testing.T) {
	t.Parallel()
	chromium := chromiumPath(t)
	eachStore(t, func(t *testing.T, cfg app.Config) {
		srv := sandbox.Start(t, sandbox.Options{DatabaseURL: cfg.DatabaseURL})
		const tenant = "browser-dash"
		ctx := newBrowser(t, chromium)
		shots := os.Getenv("DASHBOARD_SCREENSHOTS")
		if t.Name() != "TestDashboardInBrowser/memory" {
			shots = ""
		}
		shot := func(name string) {
			t.Helper()
			if shots == "" {
				return
			}
			b, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
			if err == nil {
				b, err = smallPNG(b)
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(shots, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}

		// The home page; the field opens a world.
		err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 1280), chromedp.Navigate(srv.URL+"/"),
			chromedp.WaitVisible(chromedp.CSS("#open-tenant")))
		if err != nil {
			t.Fatalf("browser: the home page: %v", err)
		}
		if h1 := evaluate[string](t, ctx, `document.querySelector('h1').textContent`); h1 != "A mock of supply-chain APIs" {
			t.Fatalf("the home page's heading is %q", h1)
		}
		err = chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#open-tenant"), tenant),
			chromedp.Submit(chromedp.CSS("#open-tenant")), chromedp.WaitVisible(chromedp.CSS("#controls")))
		if err != nil {
			t.Fatalf("browser: open the world: %v", err)
		}
		waitInPage(t, ctx, "the page going live", `document.getElementById('live-state').textContent === 'live'`)
		if loc, _ := chromedp.Run(ctx, chromedp.Location()); loc != srv.URL+"/ui/world?tenant="+tenant {
			t.Fatalf("opened %s", loc)
		}
		// Set on this page; a reload would lose it.
		evaluate[int](t, ctx, `window.__same = 42`)

		proc := walkWithWebhooks(t, srv, tenant)
		row := func(id string) string { return fmt.Sprintf(`document.getElementById(%q) !== null`, id) }
		waitInPage(t, ctx, "the demo job with its parts", `document.getElementById('job-`+seed.DemoJobID.String()+`-details').textContent.includes('3 parts')`)
		waitInPage(t, ctx, "the procurement", row("procurement-"+proc.ID.String()))
		waitInPage(t, ctx, "the invoice", `document.querySelector('#live tr[id^="invoice-"]') !== null`)
		waitInPage(t, ctx, "two deliveries, delivered", `document.querySelectorAll('#live tr[id^="delivery-"] [data-status="delivered"]').length === 2`)
		if evaluate[int](t, ctx, `window.__same`) != 42 {
			t.Fatal("the page was reloaded to show the walk")
		}
		// Screenshot: the world after the walk, the procurement's lines and
		// history open.
		if shots != "" {
			_ = evaluate[bool](t, ctx, `(() => { document.getElementById('procurement-`+proc.ID.String()+`-details').open = true; return true })()`)
			shot("dashboard-world.png")
		}

		// A request appears in the journal while the page stays open.
		id := fmt.Sprintf("dash-live-%d", time.Now().UnixNano())
		rep := newClient(t, srv, tenant, sandbox.Repairer)
		rep.header = http.Header{"X-Request-Id": {id}}
		rep.ok("repairer.jobs.get", demoJob, nil)
		waitInPage(t, ctx, "the new request in the journal",
			fmt.Sprintf(`[...document.querySelectorAll('#journal code')].some(c => c.textContent === %q)`, id))
		if evaluate[int](t, ctx, `window.__same`) != 42 {
			t.Fatal("the page was reloaded to show the new request")
		}

		// The hostile job's claim number is text: no element came of it.
		addHostileJob(t, srv, tenant)
		waitInPage(t, ctx, "the hostile job", fmt.Sprintf(`[...document.querySelectorAll('#live td')].some(c => c.textContent === %q)`, hostile))
		if n := evaluate[int](t, ctx, `document.querySelectorAll('#live script, #live img').length`); n != 0 {
			t.Fatalf("%d elements came of a record's markup", n)
		}
		if v := evaluate[any](t, ctx, `window.__pwned === undefined ? null : window.__pwned`); v != nil {
			t.Fatalf("a record's markup ran: %v", v)
		}

		// A freight load and a parts order appear too, their markup text.
		pt := newPT(t, srv.URL, tenant)
		load := pt.book(pt.create(readmeLane(hostile), nil).Quote.Number, "partial_truckload")
		waitInPage(t, ctx, "the freight load, booked", `document.querySelector('#live tr#partage-quote-`+load.PLID+` [data-status="booked"]') !== null`)
		smc := newSMClient(t, srv.URL, tenant)
		if status, b := smc.call(sm.OpPartsOrderingSubmit, smc.token(), smOrder); status != 200 {
			t.Fatalf("parts order: %d %s", status, b)
		}
		waitInPage(t, ctx, "the parts order's contract check", `document.querySelector('#live tr[id^="check-"] [data-status="ok"]') !== null`)
		if n := evaluate[int](t, ctx, `document.querySelectorAll('#live script, #live img').length`); n != 0 {
			t.Fatalf("%d elements came of a freight record's markup", n)
		}

		// Reset asks first; confirmed, the walk's records are gone.
		if evaluate[bool](t, ctx, `document.getElementById('reset-yes').checkVisibility()`) {
			t.Fatal("the reset button shows before reset is asked for")
		}
		err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#confirm-reset > summary")),
			chromedp.WaitVisible(chromedp.CSS("#reset-yes")), chromedp.Click(chromedp.CSS("#reset-yes")),
			chromedp.WaitVisible(chromedp.CSS("#done")))
		if err != nil {
			t.Fatalf("browser: reset: %v", err)
		}
		for what, script := range map[string]string{
			"the procurement":  row("procurement-" + proc.ID.String()),
			"the invoice":      `document.querySelector('#live tr[id^="invoice-"]') !== null`,
			"the deliveries":   `document.querySelector('#live tr[id^="delivery-"]') !== null`,
			"the hostile job":  fmt.Sprintf(`[...document.querySelectorAll('#live td')].some(c => c.textContent === %q)`, hostile),
			"the demo's parts": `document.getElementById('job-` + seed.DemoJobID.String() + `-details').textContent.includes('3 parts')`,
			"the freight load": row("partage-quote-" + load.PLID),
		} {
			if evaluate[bool](t, ctx, script) {
				t.Errorf("after the reset the page still shows %s", what)
			}
		}
		if !evaluate[bool](t, ctx, row("job-"+seed.DemoJobID.String())) {
			t.Error("after the reset the seeded demo job is not shown")
		}

		if shots != "" {
			if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#worlds"))); err != nil {
				t.Fatal(err)
			}
			shot("dashboard-home.png")
		}
	})
}
