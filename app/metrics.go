package app

import (
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"time"

	prom "github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/uber-go/tally/v4"
	tallyprom "github.com/uber-go/tally/v4/prometheus"
	"go.temporal.io/sdk/client"
	sdktally "go.temporal.io/sdk/contrib/tally"

	"github.com/ecforce-logiless/connector/httpapi"
)

// Metrics is the worker's Prometheus registry, served as text at /metrics:
// the Temporal SDK's metrics (temporal_*: task latencies, activity
// failures, ...) through tally, the Go runtime's and the process's (go_*,
// process_*), and the connector's own, each with its HELP text:
//   - connector_api_requests_total{api,status}: every HTTP exchange with
//     ecforce or LOGILESS by status class (2xx, 3xx, 4xx, 429, 5xx, error),
//     and the histogram connector_api_request_latency_seconds{api,status}
//   - connector_orders_imported_total{shop}: sales orders created in LOGILESS
//   - connector_notifications_sent_total{shop,step}: shipping written and
//     captures settled by the shipment notification
//   - connector_stock_writes_total{shop}, connector_stock_write_failures_total{shop}
//   - connector_workflow_failures_total{workflow,reason}: failed runs by error type
//   - connector_workflow_blocked_total{workflow,reason}: runs that stopped to
//     wait for a person; connector_blocked_runs{shop,flow,reason}, the
//     runs waiting now, once ReportBlocked is called (see blockedgauge.go)
//   - connector_logiless_refresh_token_stored{shop} and
//     connector_logiless_refresh_token_expiry_timestamp_seconds{shop}, once
//     ReportShops is called (see shopmetrics.go)
//
// The workflows and activities count through the Temporal metrics handler
// (Handler) by the names without _total; Handler sends those names to the
// connector's own counters, with exactly the labels above, and everything
// else to the SDK's tally scope.
type Metrics struct {
	Handler  client.MetricsHandler
	HTTP     http.Handler
	registry *prom.Registry
	closer   io.Closer
	counters map[string]countedVec // by the name flow code passes

	apiRequests *prom.CounterVec
	apiLatency  *prom.HistogramVec
}

// APILatencyBuckets are the upper bounds (seconds) of the
// connector_api_request_latency_seconds histogram: ecforce and LOGILESS
// answer in tens to hundreds of milliseconds, slow pages take seconds, and
// the clients give up after 30 s.
var APILatencyBuckets = []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30}

// sdkLatencyBuckets are the upper bounds (seconds) of the Temporal SDK's
// latency histograms, which range from sub-millisecond task handling to
// long polls of about a minute and workflow runs of an hour.
var sdkLatencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600}

// countedMetric is a counter that workflow or activity code increments
// through the Temporal metrics handler.
type countedMetric struct {
	name   string // as the code passes it to Counter, without _total
	labels []string
	help   string
	// perShop makes ReportShops start a series at 0 for every shop, one for
	// each of startAt (the labels besides shop; nil: shop alone), so that
	// increase() sees a shop's first count.
	perShop bool
	startAt []prom.Labels
}

// countedMetrics are the connector's counters that flow code increments.
// The names and labels are what docs/operations.md and the alert rules in
// deploy/prometheus use.
var countedMetrics = []countedMetric{
	{name: "connector_orders_imported", labels: []string{"shop"}, perShop: true,
		help: "Sales orders the order import created in LOGILESS, by shop."},
	{name: "connector_notifications_sent", labels: []string{"shop", "step"}, perShop: true,
		startAt: []prom.Labels{{"step": "shipping"}, {"step": "capture"}},
		help:    "Shipment notification steps done in ecforce, by shop and step: shipping (slip number and ship date written) or capture (a capture the connector requested settled)."},
	{name: "connector_stock_writes", labels: []string{"shop"}, perShop: true,
		help: "SKUs whose stock the stock sync wrote to ecforce, by shop."},
	{name: "connector_stock_write_failures", labels: []string{"shop"}, perShop: true,
		help: "SKUs whose stock write ecforce refused, by shop (the run result lists them)."},
	{name: "connector_workflow_failures", labels: []string{"workflow", "reason"},
		help: "Workflow runs that failed, by workflow type and reason (the error type, a section of docs/errors.md)."},
	{name: "connector_workflow_blocked", labels: []string{"workflow", "reason"},
		help: "Times a run stopped to wait for a person (outcome blocked:<reason>), by workflow type and reason; connector_blocked_runs is how many wait now."},
}

// NewMetrics builds the registry.
func NewMetrics() (*Metrics, error) {
	registry := prom.NewRegistry()
	m := &Metrics{
		registry: registry,
		apiRequests: prom.NewCounterVec(prom.CounterOpts{
			Name: "connector_api_requests_total",
			Help: "HTTP exchanges of the connector with ecforce and LOGILESS, by API and status class (2xx, 3xx, 4xx, 429, 5xx, or error when no response came).",
		}, []string{"api", "status"}),
		apiLatency: prom.NewHistogramVec(prom.HistogramOpts{
			Name:    "connector_api_request_latency_seconds",
			Help:    "Seconds from sending a request to ecforce or LOGILESS until its response or error, by API and status class.",
			Buckets: APILatencyBuckets,
		}, []string{"api", "status"}),
	}
	counters := map[string]countedVec{}
	for _, c := range countedMetrics {
		vec := prom.NewCounterVec(prom.CounterOpts{Name: c.name + "_total", Help: c.help}, c.labels)
		if err := registry.Register(vec); err != nil {
			return nil, fmt.Errorf("register metric %s: %w", c.name, err)
		}
		counters[c.name] = countedVec{vec: vec, labels: c.labels}
		counters[c.name+"_total"] = counters[c.name]
	}
	for _, c := range []prom.Collector{
		m.apiRequests, m.apiLatency,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	} {
		if err := registry.Register(c); err != nil {
			return nil, fmt.Errorf("register metrics: %w", err)
		}
	}

	reporter := tallyprom.NewReporter(tallyprom.Options{
		Registerer:              registry,
		Gatherer:                registry,
		DefaultTimerType:        tallyprom.HistogramTimerType,
		DefaultHistogramBuckets: sdkLatencyBuckets,
	})
	scope, closer := tally.NewRootScope(tally.ScopeOptions{
		CachedReporter:  reporter,
		Separator:       tallyprom.DefaultSeparator,
		SanitizeOptions: &sdktally.PrometheusSanitizeOptions,
	}, time.Second)
	scope = sdktally.NewPrometheusNamingScope(scope)
	m.counters = counters
	m.Handler = countingHandler{sdk: sdktally.NewMetricsHandler(scope), counters: counters}
	m.HTTP = promhttp.HandlerFor(registry, promhttp.HandlerOpts{Registry: registry})
	m.closer = closer
	return m, nil
}

// Text returns what /metrics serves, once it holds every one of want or
// when wait has passed (the SDK's metrics reach the registry once a second,
// the connector's at once). For tests and diagnostics.
func (m *Metrics) Text(wait time.Duration, want ...string) string {
	deadline := time.Now().Add(wait)
	for {
		rec := httptest.NewRecorder()
		m.HTTP.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		body := rec.Body.String()
		if !slices.ContainsFunc(want, func(w string) bool { return !strings.Contains(body, w) }) || !time.Now().Before(deadline) {
			return body
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Close flushes and stops the SDK metrics' reporter.
func (m *Metrics) Close() error { return m.closer.Close() }

// ObserveResponse implements httpapi.Observer.
func (m *Metrics) ObserveResponse(api string, status int, elapsed time.Duration) {
	class := httpapi.StatusClass(status)
	m.apiRequests.WithLabelValues(api, class).Inc()
	m.apiLatency.WithLabelValues(api, class).Observe(elapsed.Seconds())
}

// countedVec is a connector counter and the tags it takes as labels.
type countedVec struct {
	vec    *prom.CounterVec
	labels []string
}

// countingHandler is the Temporal metrics handler the SDK and the flow code
// get: the connector's counters go to their Prometheus vectors, labelled by
// the tags they declare (the SDK's own tags such as namespace and
// task_queue are left out of them); every other metric goes to the SDK's
// tally handler with all tags.
type countingHandler struct {
	sdk      client.MetricsHandler
	tags     map[string]string
	counters map[string]countedVec
}

// WithTags implements client.MetricsHandler.
func (h countingHandler) WithTags(tags map[string]string) client.MetricsHandler {
	merged := make(map[string]string, len(h.tags)+len(tags))
	maps.Copy(merged, h.tags)
	maps.Copy(merged, tags)
	return countingHandler{sdk: h.sdk.WithTags(tags), tags: merged, counters: h.counters}
}

// Counter implements client.MetricsHandler.
func (h countingHandler) Counter(name string) client.MetricsCounter {
	c, ok := h.counters[name]
	if !ok {
		return h.sdk.Counter(name)
	}
	labels := make(prom.Labels, len(c.labels))
	for _, l := range c.labels {
		labels[l] = h.tags[l]
	}
	counter, err := c.vec.GetMetricWith(labels)
	if err != nil { // a label value that is not UTF-8: count nothing rather than panic
		return countFunc(func(int64) {})
	}
	return countFunc(func(n int64) {
		if n > 0 {
			counter.Add(float64(n))
		}
	})
}

// Gauge implements client.MetricsHandler.
func (h countingHandler) Gauge(name string) client.MetricsGauge { return h.sdk.Gauge(name) }

// Timer implements client.MetricsHandler.
func (h countingHandler) Timer(name string) client.MetricsTimer { return h.sdk.Timer(name) }

// Unwrap returns the SDK's tally handler, so that
// sdktally.ScopeFromHandler finds its scope.
func (h countingHandler) Unwrap() client.MetricsHandler { return h.sdk }

// countFunc is a client.MetricsCounter made of a function.
type countFunc func(int64)

// Inc implements client.MetricsCounter.
func (f countFunc) Inc(n int64) { f(n) }
