// Package metrics is the server's Prometheus instrumentation. Each server
// has its own registry, so several in one process (tests) count apart.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Webhook attempt outcomes, for WebhookAttempt.
const (
	OutcomeDelivered = "delivered" // a 2xx answer
	OutcomeRetry     = "retry"     // failed, another attempt is scheduled
	OutcomeFailed    = "failed"    // failed, no attempt left
)

// Metrics holds the collectors of one server.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	webhooks *prometheus.CounterVec
	// byRequest caches the collectors of each label set Request met.
	byRequest sync.Map
}

// New registers the collectors. tenants counts the tenants alive at
// scrape time.
func New(tenants func(context.Context) (int, error)) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mockserver_requests_total",
			Help: "Requests by API, operation (a wire method, or the route of other paths; unknown when none matched) and HTTP status.",
		}, []string{"api", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "mockserver_request_duration_seconds",
			Help:    "Time to answer a request, injected latency included, by API and operation.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"api", "method"}),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mockserver_webhook_attempts_total",
			Help: "Webhook delivery attempts by outcome (delivered, retry, failed).",
		}, []string{"outcome"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.webhooks,
		tenantsCollector{count: tenants, desc: prometheus.NewDesc(
			"mockserver_tenants_alive", "Tenants (worlds) currently seeded in the store.", nil, nil)},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Request counts one request to an operation of an API ("" for routes
// outside every API). The collectors of each label set are looked up once:
// the labels are few (routes and statuses), the requests many.
func (m *Metrics) Request(api, op string, status int, took time.Duration) {
	k := requestKey{api, op, status}
	c, ok := m.byRequest.Load(k)
	if !ok {
		c, _ = m.byRequest.LoadOrStore(k, requestCollectors{
			m.requests.WithLabelValues(api, op, strconv.Itoa(status)), m.latency.WithLabelValues(api, op)})
	}
	rc := c.(requestCollectors)
	rc.count.Inc()
	rc.latency.Observe(took.Seconds())
}

type requestKey struct {
	api, op string
	status  int
}

type requestCollectors struct {
	count   prometheus.Counter
	latency prometheus.Observer
}

// WebhookAttempt counts one delivery attempt; outcome is one of the
// Outcome constants.
func (m *Metrics) WebhookAttempt(outcome string) { m.webhooks.WithLabelValues(outcome).Inc() }

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// tenantsCollector asks the store at scrape time, so every instance on a
// shared database reports the same number.
type tenantsCollector struct {
	count func(context.Context) (int, error)
	desc  *prometheus.Desc
}

func (c tenantsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c tenantsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	n, err := c.count(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n))
}
