package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/logiless"
)

func newTestMetrics(t *testing.T) *Metrics {
	t.Helper()
	m, err := NewMetrics()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m
}

// scrape reads /metrics until it contains want or 5 s pass.
func scrape(t *testing.T, m *Metrics, want string) string {
	t.Helper()
	return m.Text(5*time.Second, want)
}

func TestMetricsServeConnectorCounters(t *testing.T) {
	m := newTestMetrics(t)
	m.ObserveResponse("LOGILESS", 201, 40*time.Millisecond)
	m.ObserveResponse("LOGILESS", 429, 5*time.Millisecond)
	m.ObserveResponse("ecforce", 0, time.Second)
	m.Handler.WithTags(map[string]string{"shop": "demo"}).Counter("connector_orders_imported").Inc(3)

	body := scrape(t, m, `connector_orders_imported_total{shop="demo"} 3`)
	for _, want := range []string{
		`connector_api_requests_total{api="LOGILESS",status="2xx"} 1`,
		`connector_api_requests_total{api="LOGILESS",status="429"} 1`,
		`connector_api_requests_total{api="ecforce",status="error"} 1`,
		`connector_orders_imported_total{shop="demo"} 3`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s\n%s", want, excerpt(body))
		}
	}
}

// The flow code counts through the handler the SDK gives it, which carries
// the SDK's tags (namespace, task_queue, ...): the connector's counters keep
// only the labels they declare, and every other metric keeps every tag.
func TestConnectorCountersKeepTheirLabelsUnderSDKTags(t *testing.T) {
	m := newTestMetrics(t)
	sdk := m.Handler.WithTags(map[string]string{
		"namespace": "default", "client_name": "temporal_go", "worker_type": "ActivityWorker",
		"workflow_type": "ImportOrder", "activity_type": "CreateSalesOrder", "task_queue": "q",
	})
	sdk.WithTags(map[string]string{"shop": "demo"}).Counter("connector_orders_imported").Inc(1)
	sdk.WithTags(map[string]string{"shop": "demo", "step": "capture"}).Counter("connector_notifications_sent").Inc(2)
	sdk.WithTags(map[string]string{"shop": "demo"}).Counter("connector_stock_writes").Inc(0)
	sdk.WithTags(map[string]string{"shop": "demo"}).Counter("connector_stock_write_failures").Inc(-1) // ignored
	sdk.WithTags(map[string]string{"workflow": "ImportOrder", "reason": "UnmappedSKU"}).Counter("connector_workflow_failures").Inc(1)
	sdk.Counter("temporal_activity_execution_failed").Inc(1)

	sdkLine := `temporal_activity_execution_failed_total{activity_type="CreateSalesOrder",client_name="temporal_go",namespace="default",task_queue="q",worker_type="ActivityWorker",workflow_type="ImportOrder"} 1`
	body := scrape(t, m, sdkLine)
	for _, want := range []string{
		`connector_orders_imported_total{shop="demo"} 1`,
		`connector_notifications_sent_total{shop="demo",step="capture"} 2`,
		`connector_stock_writes_total{shop="demo"} 0`,
		`connector_stock_write_failures_total{shop="demo"} 0`,
		`connector_workflow_failures_total{reason="UnmappedSKU",workflow="ImportOrder"} 1`,
		sdkLine,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s\n%s", want, excerpt(body))
		}
	}
}

// Every connector metric has a HELP text of its own (not tally's
// "<name> counter"), and latencies are histograms: the API latency with
// the buckets of APILatencyBuckets, the SDK's timers with theirs.
func TestMetricsHaveHelpTextsAndHistograms(t *testing.T) {
	m := newTestMetrics(t)
	if err := m.ReportShops(t.TempDir(), []string{"demo"}); err != nil {
		t.Fatal(err)
	}
	m.ObserveResponse("LOGILESS", 200, 70*time.Millisecond)
	for _, c := range countedMetrics {
		m.Handler.WithTags(map[string]string{"shop": "demo"}).Counter(c.name).Inc(1)
	}
	m.Handler.WithTags(map[string]string{"activity_type": "CreateSalesOrder"}).Timer("temporal_activity_execution_latency").Record(300 * time.Millisecond)
	body := scrape(t, m, `temporal_activity_execution_latency_seconds_count{activity_type="CreateSalesOrder"} 1`)

	help := map[string]string{}
	types := map[string]string{}
	for _, line := range strings.Split(body, "\n") {
		if rest, ok := strings.CutPrefix(line, "# HELP "); ok {
			name, text, _ := strings.Cut(rest, " ")
			help[name] = text
		}
		if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			name, typ, _ := strings.Cut(rest, " ")
			types[name] = typ
		}
	}
	want := []string{"connector_api_requests_total", "connector_api_request_latency_seconds", "connector_logiless_refresh_token_stored"}
	for _, c := range countedMetrics {
		want = append(want, c.name+"_total")
	}
	for _, name := range want {
		if _, ok := types[name]; !ok {
			t.Errorf("%s is not served", name)
		}
	}
	for name, text := range help {
		if !strings.HasPrefix(name, "connector_") {
			continue
		}
		if len(text) < 30 || strings.HasPrefix(text, name) {
			t.Errorf("%s has no HELP text of its own: %q", name, text)
		}
	}
	for name, typ := range map[string]string{
		"connector_api_request_latency_seconds":       "histogram",
		"temporal_activity_execution_latency_seconds": "histogram",
		"connector_api_requests_total":                "counter",
		"connector_logiless_refresh_token_stored":     "gauge",
	} {
		if types[name] != typ {
			t.Errorf("%s is a %q, want %s", name, types[name], typ)
		}
	}
	for _, le := range APILatencyBuckets {
		bucket := fmt.Sprintf(`connector_api_request_latency_seconds_bucket{api="LOGILESS",status="2xx",le="%v"}`, le)
		if !strings.Contains(body, bucket) {
			t.Errorf("metrics lack %s", bucket)
		}
	}
	if !strings.Contains(body, `connector_api_request_latency_seconds_bucket{api="LOGILESS",status="2xx",le="0.05"} 0`) ||
		!strings.Contains(body, `connector_api_request_latency_seconds_bucket{api="LOGILESS",status="2xx",le="0.1"} 1`) {
		t.Errorf("a 70 ms response is not in the 0.1 s bucket:\n%s", excerpt(body))
	}
}

// ReportShops starts every per-shop counter at 0, so that an alert's
// increase() sees a shop's first order, notification or stock failure.
func TestReportShopsStartsPerShopCountersAtZero(t *testing.T) {
	m := newTestMetrics(t)
	if err := m.ReportShops(t.TempDir(), []string{"a", "b"}); err != nil {
		t.Fatal(err)
	}
	body := scrape(t, m, "connector_orders_imported_total")
	for _, shop := range []string{"a", "b"} {
		for _, want := range []string{
			`connector_orders_imported_total{shop="%s"} 0`,
			`connector_notifications_sent_total{shop="%s",step="shipping"} 0`,
			`connector_notifications_sent_total{shop="%s",step="capture"} 0`,
			`connector_stock_writes_total{shop="%s"} 0`,
			`connector_stock_write_failures_total{shop="%s"} 0`,
		} {
			if want := fmt.Sprintf(want, shop); !strings.Contains(body, want) {
				t.Errorf("metrics lack %s\n%s", want, excerpt(body))
			}
		}
	}
	if strings.Contains(body, "connector_workflow_failures_total{") {
		t.Errorf("failures by reason are started for no reason:\n%s", excerpt(body))
	}
}

func TestLogilessTokenMetrics(t *testing.T) {
	stateDir := t.TempDir()
	store := logiless.NewFileTokenStore(LogilessTokenFile(stateDir, "authorized"))
	const access, refresh = "access-secret-value-1", "refresh-secret-value-2"
	if err := store.Save(context.Background(), logiless.Token{AccessToken: access, RefreshToken: refresh, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	issued := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	if err := os.Chtimes(store.Path(), issued, issued); err != nil {
		t.Fatal(err)
	}
	empty := LogilessTokenFile(stateDir, "empty")
	if err := os.MkdirAll(filepath.Dir(empty), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(empty, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}

	m := newTestMetrics(t)
	if err := m.ReportShops(stateDir, []string{"authorized", "never", "empty"}); err != nil {
		t.Fatal(err)
	}
	body := scrape(t, m, "connector_logiless_refresh_token_stored")
	expiry := issued.Add(30 * 24 * time.Hour).Unix()
	for _, want := range []string{
		`connector_logiless_refresh_token_stored{shop="authorized"} 1`,
		`connector_logiless_refresh_token_stored{shop="never"} 0`,
		`connector_logiless_refresh_token_stored{shop="empty"} 0`,
		fmt.Sprintf(`connector_logiless_refresh_token_expiry_timestamp_seconds{shop="authorized"} %s`, promFloat(expiry)),
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s\n%s", want, excerpt(body))
		}
	}
	if regexp.MustCompile(`refresh_token_expiry_timestamp_seconds\{shop="(never|empty)"\}`).MatchString(body) {
		t.Errorf("an expiry is reported for a shop without a token:\n%s", excerpt(body))
	}
	if strings.Contains(body, access) || strings.Contains(body, refresh) {
		t.Error("the metrics expose a token")
	}

	// A refresh rewrites the file: the expiry moves with it at the next scrape.
	if err := store.Save(context.Background(), logiless.Token{AccessToken: "a2", RefreshToken: "r2"}); err != nil {
		t.Fatal(err)
	}
	later := issued.Add(27 * 24 * time.Hour)
	if err := os.Chtimes(store.Path(), later, later); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf(`connector_logiless_refresh_token_expiry_timestamp_seconds{shop="authorized"} %s`, promFloat(later.Add(LogilessRefreshTokenLife).Unix()))
	if body := scrape(t, m, want); !strings.Contains(body, want) {
		t.Errorf("after a refresh the metrics lack %s\n%s", want, excerpt(body))
	}

	if err := m.ReportShops(stateDir, []string{"authorized"}); err == nil {
		t.Error("a second ReportShops was accepted")
	}
}

// promFloat formats a Unix time as the text exposition format does.
func promFloat(unix int64) string {
	return strings.ToLower(fmt.Sprintf("%v", float64(unix)))
}

func excerpt(s string) string {
	var keep []string
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, "connector_") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}
