package e2e

import (
	"fmt"
	"io"
	"net/http/httptest"
	"path/filepath"
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

	srv := httptest.NewServer(m.HTTP)
	defer srv.Close()
	wants := []string{
		fmt.Sprintf(`connector_orders_imported_total{shop=%q} 3`, s.shop),
		fmt.Sprintf(`connector_logiless_refresh_token_stored{shop=%q} 1`, s.shop),
		fmt.Sprintf(`connector_logiless_refresh_token_expiry_timestamp_seconds{shop=%q} `, s.shop),
		`connector_api_requests_total{api="LOGILESS",status="2xx"} `,
		`connector_api_request_latency_seconds_bucket{api="ecforce",status="2xx",le="30"} `,
		`# TYPE temporal_activity_execution_latency_seconds histogram`,
		`activity_type="CreateSalesOrder"`,
	}
	var body string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		resp, err := srv.Client().Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body = string(b)
		missing := false
		for _, w := range wants {
			missing = missing || !strings.Contains(body, w)
		}
		if !missing || time.Now().After(deadline) {
			break
		}
	}
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("/metrics lacks %s\n%s", w, grepLines(body, "connector_"))
		}
	}
	if !strings.Contains(body, `temporal_activity_execution_latency_seconds_count{activity_type="CreateSalesOrder"`) {
		t.Errorf("/metrics has no execution count of CreateSalesOrder:\n%s", grepLines(body, "temporal_activity_execution_latency_seconds_count"))
	}
	for _, secret := range append(s.tokenValues(), testEcforcePassword, testLogilessSecret) {
		if secret != "" && strings.Contains(body, secret) {
			t.Error("/metrics contains a secret")
		}
	}
}

func grepLines(s, sub string) string {
	var keep []string
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, sub) {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}
