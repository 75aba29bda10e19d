package ecforceapi

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/internal/sandboxtest"
)

// The fake sends the webhooks registered through the control API when an
// order is created, confirmed or cancelled, with the template rendered.
func TestWebhooks(t *testing.T) {
	var mu sync.Mutex
	got := map[string][]string{} // path → bodies
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got[r.URL.Path] = append(got[r.URL.Path], r.Header.Get("Content-Type")+" "+string(b))
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(hook.Close)
	env := newTestServer(t, Config{SettleDelay: -1})
	base := env.url + "/_sandbox"
	const tmpl = `{"order_id":"{{ order.id }}","order_number":"{{order.number}}","state":"{{ order.state }}","x":"{{ order.nope }}{{ customer.email }}"}`
	if res := sandboxtest.Do(t, "POST", base+"/webhooks", []Webhook{
		{Event: "order_complete", URL: hook.URL + "/complete/s3cr3t", Template: tmpl},
		{Event: "order_canceled", URL: hook.URL + "/canceled/s3cr3t", Template: tmpl},
	}); res.Status != 201 {
		t.Fatalf("register: %d %s", res.Status, res.Body)
	}
	for _, bad := range []string{`{"event":"order_updatd","url":"http://x","template":"{}"}`, `{"event":"order_complete","url":"x","template":"{}"}`,
		`{"event":"order_complete","url":"http://x","template":" "}`} {
		if res := sandboxtest.Do(t, "POST", base+"/webhooks", bad); res.Status != 400 {
			t.Errorf("%s: %d", bad, res.Status)
		}
	}
	o, err := env.srv.SeedOrder(OrderSeed{Number: "WH00000001", Items: []OrderItemSeed{{SKU: "A", Price: 100}}})
	if err != nil {
		t.Fatal(err)
	}
	o2, err := env.srv.SeedOrder(OrderSeed{Number: "WH00000002", State: "new", Items: []OrderItemSeed{{SKU: "A", Price: 100}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.srv.CancelOrder(o2.ID); err != nil { // as staff do in the admin
		t.Fatal(err)
	}
	auth := []string{"Authorization", `Token token="` + DefaultAPIToken + `"`}
	if res := sandboxtest.Do(t, "PUT", env.url+"/api/v2/admin/orders/"+itoa(o.ID), map[string]any{"order": map[string]any{"state": "canceled"}}, auth...); res.Status != 200 {
		t.Fatalf("cancel: %d %s", res.Status, res.Body)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(env.srv.WebhookDeliveries()) < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	want := map[string][]string{
		"/complete/s3cr3t": {`application/json {"order_id":"` + itoa(o.ID) + `","order_number":"WH00000001","state":"complete","x":""}`},
		"/canceled/s3cr3t": {`application/json {"order_id":"` + itoa(o2.ID) + `","order_number":"WH00000002","state":"canceled","x":""}`,
			`application/json {"order_id":"` + itoa(o.ID) + `","order_number":"WH00000001","state":"canceled","x":""}`},
	}
	for path, bodies := range want {
		sort.Strings(got[path]) // sent in the background: in any order
		sort.Strings(bodies)
		if strings.Join(got[path], "|") != strings.Join(bodies, "|") {
			t.Errorf("%s got %q; want %q", path, got[path], bodies)
		}
	}
	ds := env.srv.WebhookDeliveries()
	sort.Slice(ds, func(i, j int) bool { return ds[i].Event < ds[j].Event })
	if len(ds) != 3 || ds[0].Event != "order_canceled" || ds[2].Event != "order_complete" || ds[0].Status != 202 {
		t.Errorf("deliveries %+v", ds)
	}
	if list := sandboxtest.Do(t, "GET", base+"/webhooks", nil); strings.Contains(string(list.Body), "s3cr3t") || !strings.Contains(string(list.Body), "order_canceled") {
		t.Errorf("GET /_sandbox/webhooks: %s", list.Body)
	}
	if state := sandboxtest.Do(t, "GET", base+"/state", nil); strings.Contains(string(state.Body), "s3cr3t") {
		t.Error("state shows a webhook URL")
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
