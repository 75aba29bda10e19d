package app

import (
	"io"
	"net/http"
	"time"

	prom "github.com/prometheus/client_golang/prometheus"
	"github.com/uber-go/tally/v4"
	tallyprom "github.com/uber-go/tally/v4/prometheus"
	"go.temporal.io/sdk/client"
	sdktally "go.temporal.io/sdk/contrib/tally"

	"github.com/ecforce-logiless/connector/httpapi"
)

// Metrics is the worker's Prometheus registry: the Temporal SDK's metrics
// (task latencies, activity failures, ...) and the connector's own, all
// served as text at /metrics.
//
// The connector's own metrics:
//   - connector_api_requests_total{api,status}: every HTTP exchange with
//     ecforce or LOGILESS by status class (2xx, 4xx, 429, 5xx, error), and
//     connector_api_request_latency_seconds{api,status}
//   - connector_orders_imported_total{shop}: sales orders created in LOGILESS
//   - connector_notifications_sent_total{shop,step}: shipping written and
//     captures settled by the shipment notification
//   - connector_stock_writes_total{shop}, connector_stock_write_failures_total{shop}
//   - connector_workflow_failures_total{workflow,reason}: failed runs by error type
type Metrics struct {
	Handler client.MetricsHandler
	HTTP    http.Handler
	closer  io.Closer
}

// NewMetrics builds the registry.
func NewMetrics() (*Metrics, error) {
	registry := prom.NewRegistry()
	reporter := tallyprom.NewReporter(tallyprom.Options{Registerer: registry, Gatherer: registry})
	scope, closer := tally.NewRootScope(tally.ScopeOptions{
		CachedReporter:  reporter,
		Separator:       tallyprom.DefaultSeparator,
		SanitizeOptions: &sdktally.PrometheusSanitizeOptions,
	}, time.Second)
	scope = sdktally.NewPrometheusNamingScope(scope)
	return &Metrics{Handler: sdktally.NewMetricsHandler(scope), HTTP: reporter.HTTPHandler(), closer: closer}, nil
}

// Close flushes and stops the reporter.
func (m *Metrics) Close() error { return m.closer.Close() }

// ObserveResponse implements httpapi.Observer.
func (m *Metrics) ObserveResponse(api string, status int, elapsed time.Duration) {
	h := m.Handler.WithTags(map[string]string{"api": api, "status": httpapi.StatusClass(status)})
	h.Counter("connector_api_requests").Inc(1)
	h.Timer("connector_api_request_latency").Record(elapsed)
}
