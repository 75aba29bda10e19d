package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/ecforce-logiless/connector/app"
	"github.com/ecforce-logiless/connector/config"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
	"github.com/ecforce-logiless/connector/webhook"
	"github.com/ecforce-logiless/connector/workflows"
)

// testWebhookSecret is the stack shop's webhooks.secret: distinctive, so a
// leak is unmistakable.
const testWebhookSecret = "whs-E2E-7c3d9e1f5a2b4c6d8e0f1a3b5c7d9e1f"

// webhookTemplate is the body template of docs/webhooks.md.
const webhookTemplate = `{"order_id":"{{ order.id }}","order_number":"{{ order.number }}","state":"{{ order.state }}"}`

// hookStack is a stack whose shop takes webhooks: the worker's receiver
// on an httptest server (two, as two workers). The shop's
// order_import.interval is far away, so every discovery of the test is
// one a webhook asked for; the discovery loop is started by the first
// webhook (signal-with-start) and terminated at the end.
type hookStack struct {
	*stack
	receiver *httptest.Server
	url      string // the shop's webhook URL, secret included
	// url2 is the same URL on a second receiver, as a second worker
	// serves it.
	url2 string
}

func newHookStack(t *testing.T) *hookStack {
	t.Helper()
	secretFile := filepath.Join(t.TempDir(), "webhook-secret")
	writeFile(t, secretFile, testWebhookSecret+"\n")
	s := newStack(t, stackOptions{shopYAML: func(y string) string {
		y = strings.Replace(y, "lookback: 168h", "lookback: 168h\n      interval: 1000h\n      sweep_interval: 1000h", 1)
		return y + "    webhooks: {secret: {file: " + secretFile + "}}\n"
	}})
	shops, err := config.LoadShops(filepath.Join(s.dir, "shops.yaml"), func(string) (string, bool) { return "x", true })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = temporalClient.TerminateWorkflow(context.Background(), workflows.DiscoverOrdersID(s.shop), "", "test over")
	})
	logger := s.conn.OrderImport.Logger // the stack's log buffer
	rc := &webhook.Receiver{Shops: shops, Trigger: &app.WebhookTrigger{Client: temporalClient, TaskQueue: s.taskQueue, Logger: logger}, Logger: logger}
	srv := httptest.NewServer(rc.Handler())
	t.Cleanup(srv.Close)
	rc2 := &webhook.Receiver{Shops: shops, Trigger: &app.WebhookTrigger{Client: temporalClient, TaskQueue: s.taskQueue, Logger: logger}, Logger: logger}
	srv2 := httptest.NewServer(rc2.Handler())
	t.Cleanup(srv2.Close)
	seedBacklogArticle(t, s)
	path := webhook.Path + s.shop + "/" + testWebhookSecret
	return &hookStack{stack: s, receiver: srv, url: srv.URL + path, url2: srv2.URL + path}
}

// register registers the shop's webhook for events in the sandbox
// ecforce's Webhook 管理.
func (h *hookStack) register(t *testing.T, events ...string) {
	t.Helper()
	for _, ev := range events {
		if err := h.sb.Ecforce.AddWebhook(ecforceapi.Webhook{Event: ev, URL: h.url, Template: webhookTemplate}); err != nil {
			t.Fatal(err)
		}
	}
}

func (h *hookStack) post(t *testing.T, url, body string) int {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// discoveries is the number of discoveries the shop's loop made, once it
// has none pending (settle), or at once; 0 when no loop was started.
func (h *hookStack) discoveries(ctx context.Context, t *testing.T, settle bool) int {
	t.Helper()
	id := workflows.DiscoverOrdersID(h.shop)
	deadline := time.Now().Add(90 * time.Second)
	for {
		v, err := temporalClient.QueryWorkflow(ctx, id, "", workflows.DiscoveryStatusQuery)
		var notFound *serviceerror.NotFound
		if errors.As(err, &notFound) {
			return 0
		}
		var st workflows.DiscoveryStatus
		if err == nil {
			err = v.Get(&st)
		}
		if err != nil {
			t.Fatalf("query %s: %v", id, err)
		}
		if !settle || st.Pending == 0 || time.Now().After(deadline) {
			return st.Discoveries
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitImported waits for the order's sales order in LOGILESS and says how
// long it took from start.
func (h *hookStack) waitImported(t *testing.T, number string, start time.Time, limit time.Duration) time.Duration {
	t.Helper()
	for time.Since(start) < limit {
		if _, ok := h.sb.Logiless.SalesOrder(number); ok {
			return time.Since(start)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("order %s not in LOGILESS %s after it was placed", number, limit)
	return 0
}

// assertSecretNowhere checks the logs and the histories of the shop's
// discoveries and of the given runs for the webhook secret.
func (h *hookStack) assertSecretNowhere(ctx context.Context, t *testing.T, workflowIDs ...string) {
	t.Helper()
	if strings.Contains(h.logs.String(), testWebhookSecret) {
		t.Error("logs show the webhook secret")
	}
	query := fmt.Sprintf("ConnectorShop = '%s'", h.shop)
	resp, err := temporalClient.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range resp.GetExecutions() {
		workflowIDs = append(workflowIDs, e.GetExecution().GetWorkflowId())
	}
	for _, id := range workflowIDs {
		if strings.Contains(historyText(ctx, t, id), testWebhookSecret) {
			t.Errorf("history of %s shows the webhook secret", id)
		}
	}
	h.assertNoSecretsLeaked(ctx, workflowIDs...)
}

// An order placed in ecforce is in LOGILESS within seconds: the sandbox
// posts order_complete, the receiver starts the discovery at once (the
// shop's own interval is 1000h).
func TestWebhookImportsNewOrderInSeconds(t *testing.T) {
	ctx := testContext(t, 2*time.Minute)
	h := newHookStack(t)
	h.register(t, "order_complete")
	placed := time.Now()
	o := seedNewOrder(t, h.stack)
	took := h.waitImported(t, o.Number, placed, 20*time.Second)
	t.Logf("order %s placed → sales order in LOGILESS in %s", o.Number, took.Round(time.Millisecond))
	ds := h.sb.Ecforce.WebhookDeliveries()
	if len(ds) != 1 || ds[0].Status != http.StatusAccepted || ds[0].OrderNumber != o.Number {
		t.Errorf("deliveries %+v; want one order_complete answered 202", ds)
	}
	if n := h.discoveries(ctx, t, true); n < 1 || n > 2 {
		t.Errorf("%d discoveries; want 1 or 2 (the loop's first and the webhook's)", n)
	}
	h.assertSecretNowhere(ctx, t, workflows.ImportOrderID(h.shop, o.Number))
}

// A burst of 100 webhooks, half to each of two receivers (two workers),
// costs one or two discoveries, and the order is imported once.
func TestWebhookBurstCostsOneOrTwoDiscoveries(t *testing.T) {
	ctx := testContext(t, 3*time.Minute)
	h := newHookStack(t)
	o := seedNewOrder(t, h.stack)
	body := fmt.Sprintf(`{"order_id":"%d","order_number":"%s","state":"complete"}`, o.ID, o.Number)
	var wg sync.WaitGroup
	codes := make([]int, 100)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			url := h.url
			if i%2 == 1 {
				url = h.url2
			}
			codes[i] = h.post(t, url, body)
		}()
	}
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusAccepted {
			t.Fatalf("webhook %d answered %d", i, c)
		}
	}
	h.waitImported(t, o.Number, time.Now(), 60*time.Second)
	n := h.discoveries(ctx, t, true)
	t.Logf("100 webhooks → %d discoveries", n)
	if n < 1 || n > 2 {
		t.Errorf("100 webhooks started %d discoveries; want 1 or 2", n)
	}
	if got := len(h.sb.Logiless.SalesOrders()); got != 1 {
		t.Errorf("%d sales orders; want 1", got)
	}
	h.assertSecretNowhere(ctx, t)
}

// A webhook with a wrong secret gets 401 and starts nothing; an unknown
// shop gets 404 and starts nothing.
func TestWebhookWrongSecretStartsNothing(t *testing.T) {
	ctx := testContext(t, 2*time.Minute)
	h := newHookStack(t)
	o := seedNewOrder(t, h.stack)
	body := fmt.Sprintf(`{"order_id":"%d","order_number":"%s","state":"complete"}`, o.ID, o.Number)
	wrong := strings.TrimSuffix(h.url, testWebhookSecret) + strings.Repeat("x", len(testWebhookSecret))
	if c := h.post(t, wrong, body); c != http.StatusUnauthorized {
		t.Errorf("wrong secret answered %d; want 401", c)
	}
	if c := h.post(t, h.url[:len(h.url)-1], body); c != http.StatusUnauthorized {
		t.Errorf("secret short of a character answered %d; want 401", c)
	}
	unknown := h.receiver.URL + webhook.Path + "no-such-shop/" + testWebhookSecret
	if c := h.post(t, unknown, body); c != http.StatusNotFound {
		t.Errorf("unknown shop answered %d; want 404", c)
	}
	time.Sleep(3 * time.Second) // what a started discovery would take to show
	if n := h.discoveries(ctx, t, false); n != 0 {
		t.Errorf("%d discoveries after wrong secrets; want none", n)
	}
	if _, ok := h.sb.Logiless.SalesOrder(o.Number); ok {
		t.Error("order imported after a wrong secret")
	}
	if !strings.Contains(h.logs.String(), "webhook with a wrong secret") {
		t.Error("the wrong secret is not logged")
	}
	h.assertSecretNowhere(ctx, t)
}

// A body the receiver cannot read (a shop's own template, a placeholder
// left unrendered) still triggers the discovery, which imports the order.
func TestWebhookUnreadableBodyStillDiscovers(t *testing.T) {
	ctx := testContext(t, 2*time.Minute)
	h := newHookStack(t)
	o := seedNewOrder(t, h.stack)
	start := time.Now()
	if c := h.post(t, h.url, `受注 {{ order.number }} が確定しました <not json>`); c != http.StatusAccepted {
		t.Fatalf("unreadable body answered %d; want 202", c)
	}
	h.waitImported(t, o.Number, start, 20*time.Second)
	if n := h.discoveries(ctx, t, true); n < 1 || n > 2 {
		t.Errorf("%d discoveries; want 1 or 2", n)
	}
	if !strings.Contains(h.logs.String(), "readable=false") {
		t.Error("the receiver did not log the body as unreadable")
	}
}

// order_canceled cancels the imported order's LOGILESS sales order at
// once: the webhook starts the order's ChangeOrder run, which reverses it
// once. A cancellation for an order never imported imports nothing.
func TestWebhookCancellationReachesLogilessInSeconds(t *testing.T) {
	ctx := testContext(t, 2*time.Minute)
	h := newHookStack(t)
	h.register(t, "order_complete", "order_canceled")
	o := seedNewOrder(t, h.stack)
	h.waitImported(t, o.Number, time.Now(), 20*time.Second)
	start := time.Now()
	if _, err := h.sb.Ecforce.CancelOrder(o.ID); err != nil {
		t.Fatal(err)
	}
	for time.Since(start) < 20*time.Second {
		if so, _ := h.sb.Logiless.SalesOrder(o.Number); so.DocumentStatus == logilessapi.StatusCancel {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	so, _ := h.sb.Logiless.SalesOrder(o.Number)
	if so.DocumentStatus != logilessapi.StatusCancel || so.ReversalRequests != 1 {
		t.Fatalf("LOGILESS %s, %d reversals %s after the cancellation; want cancelled once", so.DocumentStatus, so.ReversalRequests, time.Since(start))
	}
	t.Logf("order %s cancelled in ecforce → cancelled in LOGILESS in %s", o.Number, time.Since(start).Round(time.Millisecond))
	if res := changeResult(ctx, t, h.shop, o.Number); res.Outcome != workflows.OutcomeCancelledInLogiless {
		t.Errorf("change run %+v", res)
	}

	// Cancelled before anything imported it: the change run imports
	// nothing, and no discovery does either.
	early := seedDiscoveryOrder(t, h.stack, 1, "new", 0)
	if _, err := h.sb.Ecforce.CancelOrder(early.ID); err != nil {
		t.Fatal(err)
	}
	changeID := workflows.OrderChangeID(h.shop, early.Number)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if _, err := temporalClient.DescribeWorkflowExecution(ctx, changeID, ""); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("the order_canceled webhook started no %s: %v", changeID, err)
		}
	}
	var none workflows.ChangeOrderResult
	if err := temporalClient.GetWorkflow(ctx, changeID, "").Get(ctx, &none); err != nil || none.Outcome != workflows.OutcomeNoChange {
		t.Errorf("change run of the order cancelled before its import: %+v, %v; want no-change", none, err)
	}
	if _, ok := h.sb.Logiless.SalesOrder(early.Number); ok {
		t.Errorf("order %s cancelled before its import is in LOGILESS", early.Number)
	}
	h.assertSecretNowhere(ctx, t, workflows.OrderChangeID(h.shop, o.Number))
}
