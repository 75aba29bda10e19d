package app

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestMetricsServeConnectorCounters(t *testing.T) {
	m, err := NewMetrics()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	m.ObserveResponse("LOGILESS", 201, 40*time.Millisecond)
	m.ObserveResponse("LOGILESS", 429, 5*time.Millisecond)
	m.ObserveResponse("ecforce", 0, time.Second)
	m.Handler.WithTags(map[string]string{"shop": "demo"}).Counter("connector_orders_imported").Inc(3)

	srv := httptest.NewServer(m.HTTP)
	defer srv.Close()
	var body string
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) { // the reporter flushes every second
		resp, err := srv.Client().Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body = string(b)
		if strings.Contains(body, `connector_orders_imported_total{shop="demo"} 3`) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
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

func excerpt(s string) string {
	var keep []string
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, "connector_") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}
