package e2e

import (
	"context"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/ecforce-logiless/connector/app"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
	"github.com/ecforce-logiless/connector/workflows"
)

// Endpoints whose request counts the import tests check.
const (
	importReqLlSearch = "POST /api/v1/merchant/{id}/sales_orders/search"
	importReqLlCreate = "POST /api/v1/merchant/{id}/sales_orders/new"
	importReqEcGet    = "GET /api/v2/admin/orders/{id}"
	importReqEcPut    = "PUT /api/v2/admin/orders/{id}"
)

// seedBacklogArticle makes the LOGILESS article the backlog orders use.
func seedBacklogArticle(t *testing.T, s *stack) {
	t.Helper()
	if _, err := s.sb.Logiless.SeedArticle(logilessapi.Article{Code: "TS-WHT-M", Name: "Tシャツ M"}); err != nil {
		t.Fatal(err)
	}
	if err := s.sb.Logiless.SetFreeStock("TS-WHT-M", 100000); err != nil {
		t.Fatal(err)
	}
}

// seedNewOrder seeds an ecforce order due today that the import takes.
func seedNewOrder(t *testing.T, s *stack) ecforceapi.Order {
	t.Helper()
	o, err := s.sb.Ecforce.SeedOrder(ecforceapi.OrderSeed{ScheduledToBeShippedAt: today(), ShippingCarrierID: 1,
		Items: []ecforceapi.OrderItemSeed{{SKU: "TS-WHT-M", Name: "Tシャツ M", Price: 3980, Quantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// seedImportedOrder seeds an ecforce order and the LOGILESS sales order an
// earlier import made of it (same code, the shop's store): an imported
// order still in an import state, as with imported_state "".
func seedImportedOrder(t *testing.T, s *stack) ecforceapi.Order {
	t.Helper()
	o := seedNewOrder(t, s)
	if _, err := s.sb.Logiless.SeedSalesOrder(map[string]any{
		"code": o.Number, "buyer_name1": "山田 太郎", "recipient_name1": "山田 太郎", "recipient_address1": "東京都渋谷区神宮前1-2-3",
		"payment_method": "credit_card_payment", "delivery_method": "yamato", "store": logilessapi.DefaultStoreID,
		"lines": []map[string]any{{"article_code": "TS-WHT-M", "article_name": "Tシャツ M", "quantity": 1, "price": 3980}},
	}); err != nil {
		t.Fatalf("seed sales order %s: %v", o.Number, err)
	}
	return o
}

// §1: a shop with more than MaxCandidatesPerRun imported orders still in
// an import state within its look-back (no imported_state) imports a new
// order on the next run. Discovery drops the orders LOGILESS already holds
// before it counts candidates; the cap is the real 1,000.
func TestOrderImportNewOrderNotBehindImportedOnes(t *testing.T) {
	ctx := testContext(t, 4*time.Minute)
	s := newStack(t, stackOptions{})
	seedBacklogArticle(t, s)
	const imported = 1005
	for i := 0; i < imported; i++ {
		seedImportedOrder(t, s)
	}

	first := s.discover(ctx)
	if first.Listed != imported || first.AlreadyInLogiless != imported || len(first.Started) != 0 || first.Continued != 0 {
		t.Fatalf("discovery over %d imported orders = %+v; want all recognised, nothing started", imported, first)
	}

	fresh := seedNewOrder(t, s)
	before := s.sb.Logiless.RequestCounts()
	next := s.discover(ctx)
	if len(next.Started) != 1 || next.Started[0] != workflows.ImportOrderID(s.shop, fresh.Number) || next.AlreadyInLogiless != imported {
		t.Fatalf("next discovery = %+v; want the new order %s started", next, fresh.Number)
	}
	if _, ok := s.sb.Logiless.SalesOrder(fresh.Number); !ok {
		t.Fatalf("the new order %s is not in LOGILESS", fresh.Number)
	}
	after := s.sb.Logiless.RequestCounts()
	if n := after[importReqLlSearch] - before[importReqLlSearch]; n != (imported+1+99)/100 {
		t.Errorf("%d LOGILESS searches for %d orders, want %d (100 codes a call)", n, imported+1, (imported+1+99)/100)
	}
	if n := after[importReqLlCreate] - before[importReqLlCreate]; n != 1 {
		t.Errorf("%d creates, want 1", n)
	}
}

// §1: a discovery that reaches its cap continues as new after the last
// order it looked at, so one discovery imports every order of the window.
// The test lowers the cap to 2 (activities.OrderImport.MaxCandidates); the
// mechanism is the one of the real cap.
func TestOrderImportContinuesAfterItsCap(t *testing.T) {
	ctx := testContext(t, 3*time.Minute)
	s := newStack(t, stackOptions{configure: func(c *app.Connector) { c.OrderImport.MaxCandidates = 2 }})
	seedBacklogArticle(t, s)
	var fresh []ecforceapi.Order
	for i := 0; i < 5; i++ {
		seedImportedOrder(t, s)
		fresh = append(fresh, seedNewOrder(t, s))
	}

	run := s.start(ctx, client.StartWorkflowOptions{ID: workflows.ImportOrdersID(s.shop),
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE},
		workflows.ImportOrders, workflows.ImportOrdersInput{Shop: s.shop})
	firstRun := run.GetRunID() // Get moves it to the run it followed to
	var last workflows.ImportOrdersResult
	if err := run.Get(ctx, &last); err != nil { // follows the continued runs
		t.Fatalf("discovery: %v", err)
	}
	if last.Continued != 2 || len(last.Started) != 1 {
		t.Errorf("last run = %+v; want the third run of the discovery, starting the fifth order", last)
	}
	for _, o := range fresh {
		var res workflows.ImportOrderResult
		if err := temporalClient.GetWorkflow(ctx, workflows.ImportOrderID(s.shop, o.Number), "").Get(ctx, &res); err != nil || res.Outcome != workflows.OutcomeImported {
			t.Errorf("import of %s: %+v, %v; want imported", o.Number, res, err)
		}
	}
	if got := len(s.sb.Logiless.SalesOrders()); got != 10 {
		t.Errorf("LOGILESS holds %d sales orders, want 10", got)
	}

	// The first run's history continues as new; record it for replay.
	h := fetchRunHistory(ctx, t, workflows.ImportOrdersID(s.shop), firstRun)
	if ev := h.Events[len(h.Events)-1]; ev.GetEventType() != enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW {
		t.Errorf("the first run ended with %v, want continued-as-new", ev.GetEventType())
	}
	replayAndStore(t, "importorders-continued.json", h)
}

// fetchRunHistory is the event history of one run of a workflow ("" for
// its latest run).
func fetchRunHistory(ctx context.Context, t *testing.T, workflowID, runID string) *historypb.History {
	t.Helper()
	h := &historypb.History{}
	iter := temporalClient.GetWorkflowHistory(ctx, workflowID, runID, false, 0)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			t.Fatalf("history of %s: %v", workflowID, err)
		}
		h.Events = append(h.Events, ev)
	}
	return h
}

// replayAndStore replays h with today's workflows and, with
// UPDATE_REPLAY_HISTORIES set, stores it for workflows' replay test.
func replayAndStore(t *testing.T, name string, h *historypb.History) {
	t.Helper()
	if err := replayOne(h); err != nil {
		t.Errorf("replay %s: %v", name, err)
	}
	storeReplayHistory(t, name, h)
}

// replayOne replays h with today's workflows.
func replayOne(h *historypb.History) error {
	replayer := worker.NewWorkflowReplayer()
	workflows.RegisterWorkflows(replayer)
	return replayer.ReplayWorkflowHistory(nil, h)
}
