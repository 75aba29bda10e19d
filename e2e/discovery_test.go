package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.temporal.io/sdk/worker"

	"github.com/ecforce-logiless/connector/discoveries"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
	"github.com/ecforce-logiless/connector/workflows"
)

// loop is a shop's running discovery loop of one flow in a test.
type loop struct {
	s    *stack
	flow string
	id   string
}

// startLoop starts the stack shop's discovery loop of flow as the worker
// does, waits for its first discovery, and terminates it at the end.
func startLoop(ctx context.Context, t *testing.T, s *stack, flow string) *loop {
	t.Helper()
	f, _ := workflows.FlowNamed(flow)
	l := &loop{s: s, flow: flow, id: f.DiscoveryID(s.shop)}
	if err := discoveries.Ensure(ctx, s.temporal(), s.taskQueue, flow, s.shop); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = temporalClient.TerminateWorkflow(context.Background(), l.id, "", "test over") })
	l.waitFor(ctx, t, 1)
	return l
}

func (l *loop) status(ctx context.Context, t *testing.T) workflows.DiscoveryStatus {
	t.Helper()
	v, err := l.s.temporal().QueryWorkflow(ctx, l.id, "", workflows.DiscoveryStatusQuery)
	var st workflows.DiscoveryStatus
	if err == nil {
		err = v.Get(&st)
	}
	if err != nil {
		t.Fatalf("query %s: %v", l.id, err)
	}
	return st
}

// waitFor waits until the loop has made n discoveries and has none
// pending, and returns its status.
func (l *loop) waitFor(ctx context.Context, t *testing.T, n int) workflows.DiscoveryStatus {
	t.Helper()
	for {
		if st := l.status(ctx, t); st.Discoveries >= n && st.Pending == 0 {
			return st
		}
		select {
		case <-ctx.Done():
			t.Fatalf("discovery loop %s: fewer than %d discoveries: %+v", l.id, n, l.status(context.Background(), t))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// now signals discover-now and waits for the discovery it causes.
func (l *loop) now(ctx context.Context, t *testing.T, s workflows.DiscoverNow) workflows.DiscoveryStatus {
	t.Helper()
	before := l.status(ctx, t).Discoveries
	if err := discoveries.DiscoverNow(ctx, l.s.temporal(), l.s.taskQueue, l.flow, l.s.shop, s); err != nil {
		t.Fatal(err)
	}
	return l.waitFor(ctx, t, before+1)
}

// apiCalls counts the API requests of both sandboxes (token requests
// included) since the last reset.
func apiCalls(s *stack) (ec, ll int) {
	for _, n := range s.sb.Ecforce.RequestCounts() {
		ec += n
	}
	for _, n := range s.sb.Logiless.RequestCounts() {
		ll += n
	}
	return ec, ll
}

func resetCalls(s *stack) {
	s.sb.Ecforce.ResetRequestCounts()
	s.sb.Logiless.ResetRequestCounts()
}

// waitImported waits until LOGILESS holds the order.
func waitImported(ctx context.Context, t *testing.T, s *stack, number string) {
	t.Helper()
	for {
		if _, ok := s.sb.Logiless.SalesOrder(number); ok {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("order %s never reached LOGILESS", number)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// seedDiscoveryArticle seeds the LOGILESS article MUG-BLU that
// seedDiscoveryOrder's orders map to, with free stock free (none: -1).
func seedDiscoveryArticle(t *testing.T, s *stack, free int) {
	t.Helper()
	if _, err := s.sb.Logiless.SeedArticle(logilessapi.Article{Code: "MUG-BLU", Name: "マグカップ"}); err != nil {
		t.Fatal(err)
	}
	if free < 0 {
		return
	}
	if err := s.sb.Logiless.SetFreeStock("MUG-BLU", free); err != nil {
		t.Fatal(err)
	}
}

func seedDiscoveryOrder(t *testing.T, s *stack, n int, state string, age time.Duration) ecforceapi.Order {
	t.Helper()
	o, err := s.sb.Ecforce.SeedOrder(ecforceapi.OrderSeed{Number: fmt.Sprintf("IN%08d", n), State: state,
		CreatedAt: time.Now().Add(-age), ShippingCarrierID: 1,
		Items: []ecforceapi.OrderItemSeed{{SKU: "MUG-BLU", Price: 2200, Quantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// The order discovery loop: an empty discovery costs at most two calls
// whatever the window holds; an order updated after the watermark is
// found; discover-now runs at once, handles the named order and is
// debounced; the sweep finds what the incremental path missed; ransack
// ignoring q[updated_at_gteq] is detected and new orders are found by id.
func TestIncrementalOrderDiscovery(t *testing.T) {
	ctx := testContext(t, 4*time.Minute)
	s := newStack(t, stackOptions{})
	seedDiscoveryArticle(t, s, -1)
	// A window full of imported orders, updated ten minutes ago.
	for i := 1; i <= 30; i++ {
		seedDiscoveryOrder(t, s, i, "complete", 10*time.Minute)
	}
	draft := seedDiscoveryOrder(t, s, 40, "new", 10*time.Minute)
	missed := seedDiscoveryOrder(t, s, 50, "complete", 2*time.Hour) // before the loop's first look (one sweep interval)
	l := startLoop(ctx, t, s, workflows.FlowOrderImport)
	// The worker ensures the loop every few minutes: a second start uses
	// the running one.
	first, err := temporalClient.DescribeWorkflowExecution(ctx, l.id, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := discoveries.Ensure(ctx, s.temporal(), s.taskQueue, workflows.FlowOrderImport, s.shop); err != nil {
		t.Fatal(err)
	}
	if again, err := temporalClient.DescribeWorkflowExecution(ctx, l.id, ""); err != nil ||
		again.WorkflowExecutionInfo.Execution.RunId != first.WorkflowExecutionInfo.Execution.RunId {
		t.Errorf("a second Ensure started another run (%v)", err)
	}
	for i := 1; i <= 30; i++ {
		waitImported(ctx, t, s, fmt.Sprintf("IN%08d", i))
	}

	t.Run("an empty discovery costs at most two calls", func(t *testing.T) {
		l.now(ctx, t, workflows.DiscoverNow{Event: "test"}) // settles the last one's imports
		resetCalls(s)
		l.now(ctx, t, workflows.DiscoverNow{Event: "test"})
		ec, ll := apiCalls(s)
		t.Logf("empty order discovery: %d ecforce + %d LOGILESS calls", ec, ll)
		if ec+ll > 2 || ec > 1 {
			t.Errorf("empty discovery: %d ecforce and %d LOGILESS calls (%v %v), want at most 1 + 1",
				ec, ll, s.sb.Ecforce.RequestCounts(), s.sb.Logiless.RequestCounts())
		}
	})

	t.Run("an order updated after the watermark is found", func(t *testing.T) {
		if _, ok := s.sb.Logiless.SalesOrder(draft.Number); ok {
			t.Fatal("a 新規受付 order was imported")
		}
		if err := s.sb.Ecforce.SetOrderState(draft.ID, "complete"); err != nil {
			t.Fatal(err)
		}
		l.now(ctx, t, workflows.DiscoverNow{Event: "test"})
		waitImported(ctx, t, s, draft.Number)
	})

	t.Run("discover-now runs at once, named order first, debounced", func(t *testing.T) {
		fresh := seedDiscoveryOrder(t, s, 60, "complete", 0)
		before := l.status(ctx, t).Discoveries
		for i := 0; i < 20; i++ {
			if err := discoveries.DiscoverNow(ctx, s.temporal(), s.taskQueue, workflows.FlowOrderImport, s.shop,
				workflows.DiscoverNow{Event: "order_completed", OrderID: fresh.ID, OrderNumber: fresh.Number}); err != nil {
				t.Fatal(err)
			}
		}
		waitImported(ctx, t, s, fresh.Number)
		st := l.waitFor(ctx, t, before+1)
		time.Sleep(time.Second)
		if st = l.status(ctx, t); st.Discoveries-before > 2 {
			t.Errorf("20 signals made %d discoveries, want one or two", st.Discoveries-before)
		}
	})

	t.Run("the sweep finds an order the incremental path missed", func(t *testing.T) {
		if _, ok := s.sb.Logiless.SalesOrder(missed.Number); ok {
			t.Fatal("the incremental path found an order updated before its first look")
		}
		s.discover(ctx) // the hourly scheduled ImportOrders
		waitImported(ctx, t, s, missed.Number)
	})

	t.Run("ransack ignoring q[updated_at_gteq] is detected; new orders are found by id", func(t *testing.T) {
		s.sb.Ecforce.IgnoreOrderFilters("updated_at_gteq")
		t.Cleanup(func() { s.sb.Ecforce.IgnoreOrderFilters() })
		if st := l.now(ctx, t, workflows.DiscoverNow{Event: "test"}); !st.ByID {
			t.Fatalf("status %+v: want the fallback by id", st)
		}
		late := seedDiscoveryOrder(t, s, 70, "complete", 0)
		l.now(ctx, t, workflows.DiscoverNow{Event: "test"})
		waitImported(ctx, t, s, late.Number)
		resetCalls(s)
		l.now(ctx, t, workflows.DiscoverNow{Event: "test"})
		if ec, ll := apiCalls(s); ec+ll > 2 {
			t.Errorf("empty discovery by id: %d ecforce and %d LOGILESS calls, want at most 2", ec, ll)
		}
	})
	s.assertNoSecretsLeaked(ctx, l.id)
	l.replay(ctx, t, "discoverorders.loop.json")
}

// replay replays the loop's history so far with today's code and, with
// UPDATE_REPLAY_HISTORIES=1, stores it for the workflows' replay test as
// <name>.<replayHistoryVersion>.json (the first ones, recorded before any
// change of the loop, are <name>.json).
func (l *loop) replay(ctx context.Context, t *testing.T, file string) {
	t.Helper()
	h := fetchHistory(ctx, t, l.id)
	replayer := worker.NewWorkflowReplayer()
	workflows.RegisterWorkflows(replayer)
	if err := replayer.ReplayWorkflowHistory(nil, h); err != nil {
		t.Errorf("replay %s: %v", l.id, err)
	}
	storeReplayHistory(t, file, h)
}

// The shipment discovery loop: an empty discovery costs one LOGILESS
// call; a newly shipped order is notified.
func TestIncrementalShipmentDiscovery(t *testing.T) {
	ctx := testContext(t, 3*time.Minute)
	s := newStack(t, stackOptions{})
	seedDiscoveryArticle(t, s, -1)
	o := seedDiscoveryOrder(t, s, 1, "complete", time.Minute)
	l := startLoop(ctx, t, s, workflows.FlowShipmentNotification)
	resetCalls(s)
	l.now(ctx, t, workflows.DiscoverNow{Event: "test"})
	ec, ll := apiCalls(s)
	t.Logf("empty shipment discovery: %d ecforce + %d LOGILESS calls", ec, ll)
	if ec+ll > 2 || ec > 0 {
		t.Errorf("empty discovery: %d ecforce and %d LOGILESS calls (%v), want 0 and at most 2", ec, ll, s.sb.Logiless.RequestCounts())
	}

	s.discover(ctx) // import it
	waitImported(ctx, t, s, o.Number)
	if _, err := s.sb.Logiless.ShipSalesOrder(o.Number, logilessapi.ShipOptions{}); err != nil {
		t.Fatal(err)
	}
	l.now(ctx, t, workflows.DiscoverNow{Event: "test"})
	for {
		if got, _ := s.sb.Ecforce.Order(o.ID); got.ShippingSlip != "" {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("the shipment was never notified")
		case <-time.After(100 * time.Millisecond):
		}
	}
	l.replay(ctx, t, "discovershipments.loop.json")
}
