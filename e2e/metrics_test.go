package e2e

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/app"
)

// The worker's /metrics after an import, with the metrics wired as the
// worker binary wires them: the connector counters with their labels, the
// API histogram, the SDK's activity histogram that the alert
// ConnectorNoOrdersImported reads, and the shop's LOGILESS token gauges.
func TestMetricsOfAWorkerThatImported(t *testing.T) {
	ctx := testContext(t, 3*time.Minute)
	m, err := app.NewMetrics()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s := newStack(t, stackOptions{metrics: m})
	if err := m.ReportShops(filepath.Join(s.dir, "state"), []string{s.shop}); err != nil {
		t.Fatal(err)
	}
	seedImportScenario(t, s)
	s.discover(ctx)

	wants := []string{
		fmt.Sprintf(`connector_orders_imported_total{shop=%q} 3`, s.shop),
		fmt.Sprintf(`connector_logiless_refresh_token_stored{shop=%q} 1`, s.shop),
		fmt.Sprintf(`connector_logiless_refresh_token_expiry_timestamp_seconds{shop=%q} `, s.shop),
		`connector_api_requests_total{api="LOGILESS",status="2xx"} `,
		`connector_api_request_latency_seconds_bucket{api="ecforce",status="2xx",le="30"} `,
		`# TYPE temporal_activity_execution_latency_seconds histogram`,
		`temporal_activity_execution_latency_seconds_count{activity_type="CreateSalesOrder"`,
	}
	body := m.Text(10*time.Second, wants...)
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("/metrics lacks %s\n%s", w, grepLines(body, "connector_", "temporal_activity_execution_latency_seconds_count"))
		}
	}
	for _, secret := range append(s.tokenValues(), testEcforcePassword, testLogilessSecret) {
		if secret != "" && strings.Contains(body, secret) {
			t.Error("/metrics contains a secret")
		}
	}
}

// grepLines returns the lines of s that contain one of subs.
func grepLines(s string, subs ...string) string {
	var keep []string
	for _, line := range strings.Split(s, "\n") {
		if slices.ContainsFunc(subs, func(sub string) bool { return strings.Contains(line, sub) }) {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}
