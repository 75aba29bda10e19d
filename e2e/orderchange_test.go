package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"

	"github.com/ecforce-logiless/connector/activities"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
	"github.com/ecforce-logiless/connector/workflows"
)

// Issue 13 §1 and §3 (first bullet): after the import, a cancellation in
// ecforce cancels the LOGILESS sales order while the warehouse has not
// started (once, its stock free again), waits as blocked:CancelTooLate once
// it has (clearing itself when the warehouse moves it back), never imports a
// cancelled order, and a payment completed later reaches LOGILESS once.

// seedChangeArticle makes the article the change tests use, with free stock
// in LOGILESS and the same stock in ecforce.
func seedChangeArticle(t *testing.T, s *stack, free int) {
	t.Helper()
	if _, err := s.sb.Logiless.SeedArticle(logilessapi.Article{Code: "TS-WHT-M", Name: "Tシャツ M"}); err != nil {
		t.Fatal(err)
	}
	if err := s.sb.Logiless.SetFreeStock("TS-WHT-M", free); err != nil {
		t.Fatal(err)
	}
	if _, err := s.sb.Ecforce.SeedStockItem("TS-WHT-M", ecforceapi.DefaultStockLocation, free); err != nil {
		t.Fatal(err)
	}
}

func seedChangeOrder(t *testing.T, s *stack, seed ecforceapi.OrderSeed) ecforceapi.Order {
	t.Helper()
	seed.ScheduledToBeShippedAt, seed.ShippingCarrierID = today(), 1
	seed.Items = []ecforceapi.OrderItemSeed{{SKU: "TS-WHT-M", Name: "Tシャツ M", Price: 3980, Quantity: 2}}
	o, err := s.sb.Ecforce.SeedOrder(seed)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// changeResult waits for the order's ChangeOrder run and returns its result.
func changeResult(ctx context.Context, t *testing.T, shop, number string) workflows.ChangeOrderResult {
	t.Helper()
	var res workflows.ChangeOrderResult
	if err := temporalClient.GetWorkflow(ctx, workflows.OrderChangeID(shop, number), "").Get(ctx, &res); err != nil {
		t.Fatalf("change run of %s: %v", number, err)
	}
	return res
}

func freeStock(t *testing.T, s *stack) int {
	t.Helper()
	free, ok := s.sb.Logiless.FreeStock("TS-WHT-M")
	if !ok {
		t.Fatal("no LOGILESS article TS-WHT-M")
	}
	return free
}

func ecforceStock(t *testing.T, s *stack) int {
	t.Helper()
	si, ok := s.sb.Ecforce.StockItem("TS-WHT-M", ecforceapi.DefaultStockLocation)
	if !ok {
		t.Fatal("no ecforce stock item TS-WHT-M")
	}
	return si.Stock
}

// Cancel before work: the sales order is reversed exactly once and its
// stock is free again, which the next stock sync writes to ecforce. An
// order cancelled before its import is never imported, by the discovery or
// by a change run started for it (as an order_canceled webhook does).
func TestOrderCancelledBeforeWork(t *testing.T) {
	ctx := testContext(t, 4*time.Minute)
	s := newStack(t, stackOptions{})
	seedChangeArticle(t, s, 10)
	kept := seedChangeOrder(t, s, ecforceapi.OrderSeed{})
	early := seedChangeOrder(t, s, ecforceapi.OrderSeed{})
	if _, err := s.sb.Ecforce.CancelOrder(early.ID); err != nil {
		t.Fatal(err)
	}

	first := s.discover(ctx)
	if len(first.Started) != 1 || first.Started[0] != workflows.ImportOrderID(s.shop, kept.Number) || len(first.ChangesStarted) != 0 {
		t.Fatalf("first discovery = %+v; want only %s imported, no change", first, kept.Number)
	}
	if free := freeStock(t, s); free != 8 {
		t.Fatalf("free stock after the import %d, want 8", free)
	}
	if res, _ := s.reconcileStock(ctx, workflows.ReconcileStockInput{Shop: s.shop, Full: true}); res.Written != 1 || ecforceStock(t, s) != 8 {
		t.Fatalf("stock sync after the import: %+v, ecforce stock %d; want 8 written", res.Summary, ecforceStock(t, s))
	}

	if _, err := s.sb.Ecforce.CancelOrder(kept.ID); err != nil {
		t.Fatal(err)
	}
	second := s.discover(ctx)
	if len(second.Started) != 0 || len(second.ChangesStarted) != 1 || second.ChangesStarted[0] != workflows.OrderChangeID(s.shop, kept.Number) {
		t.Fatalf("discovery after the cancellation = %+v; want one change run, for %s", second, kept.Number)
	}
	res := changeResult(ctx, t, s.shop, kept.Number)
	so, _ := s.sb.Logiless.SalesOrder(kept.Number)
	if res.Outcome != workflows.OutcomeCancelledInLogiless || so.DocumentStatus != logilessapi.StatusCancel || so.DeliveryStatus != logilessapi.StatusCancel {
		t.Fatalf("change run = %+v, LOGILESS %s/%s; want cancelled", res, so.DocumentStatus, so.DeliveryStatus)
	}
	if outcome := outcomeOf(ctx, t, workflows.OrderChangeID(s.shop, kept.Number)); outcome != workflows.OutcomeCancelledInLogiless {
		t.Errorf("ConnectorOutcome %q", outcome)
	}
	if free := freeStock(t, s); free != 10 {
		t.Errorf("free stock after the cancellation %d, want 10", free)
	}
	if res, _ := s.reconcileStock(ctx, workflows.ReconcileStockInput{Shop: s.shop}); ecforceStock(t, s) != 10 {
		t.Errorf("stock sync after the cancellation: %+v, ecforce stock %d; want 10", res.Summary, ecforceStock(t, s))
	}

	third := s.discover(ctx)
	if len(third.ChangesStarted) != 0 {
		t.Errorf("a later discovery started %v; the cancellation is done", third.ChangesStarted)
	}
	if so, _ := s.sb.Logiless.SalesOrder(kept.Number); so.ReversalRequests != 1 {
		t.Errorf("%d reversal requests, want exactly 1", so.ReversalRequests)
	}

	// The early one: as an order_canceled webhook would, start its change
	// run; it finds nothing in LOGILESS and imports nothing.
	run := workflows.OrderChangeStart(s.shop, early.Number, early.ID)
	wr := s.start(ctx, client.StartWorkflowOptions{ID: run.ID, WorkflowIDReusePolicy: run.ReusePolicy,
		TypedSearchAttributes: run.SearchAttributes, StaticSummary: run.Summary}, run.Workflow, run.Input)
	var none workflows.ChangeOrderResult
	if err := wr.Get(ctx, &none); err != nil || none.Outcome != workflows.OutcomeNoChange || !strings.Contains(none.Reason, "never imported") {
		t.Errorf("change run of the order cancelled before its import: %+v, %v; want no-change, never imported", none, err)
	}
	if _, ok := s.sb.Logiless.SalesOrder(early.Number); ok {
		t.Errorf("the order cancelled before its import, %s, is in LOGILESS", early.Number)
	}
	storeReplayHistoryAs(t, "importorders-changes.json", workflows.OrderChangesChangeID, fetchHistory(ctx, t, workflows.ImportOrdersID(s.shop)))
	storeReplayHistoryAs(t, "changeorder-reversed.json", workflows.OrderChangesChangeID, fetchHistory(ctx, t, workflows.OrderChangeID(s.shop, kept.Number)))
	storeReplayHistoryAs(t, "changeorder-never-imported.json", workflows.OrderChangesChangeID, fetchHistory(ctx, t, run.ID))
}

// Cancel too late: once the warehouse works on the order nothing is
// forced; the run waits as blocked:CancelTooLate, saying what to do, a
// discovery that still sees it too late leaves it asleep, and once the
// warehouse moves the order back the next discovery wakes it and it cancels.
func TestOrderCancelledTooLate(t *testing.T) {
	ctx := testContext(t, 4*time.Minute)
	s := newStack(t, stackOptions{})
	seedChangeArticle(t, s, 10)
	o := seedChangeOrder(t, s, ecforceapi.OrderSeed{})
	if first := s.discover(ctx); len(first.Started) != 1 {
		t.Fatalf("first discovery = %+v", first)
	}
	if err := s.sb.Logiless.SetDeliveryStatus(o.Number, logilessapi.StatusWorking); err != nil {
		t.Fatal(err)
	}
	if _, err := s.sb.Ecforce.CancelOrder(o.ID); err != nil {
		t.Fatal(err)
	}
	id := workflows.OrderChangeID(s.shop, o.Number)
	if second := s.discover(ctx); len(second.ChangesStarted) != 1 || second.ChangesStarted[0] != id {
		t.Fatalf("discovery after the cancellation = %+v; want the change run started", second)
	}
	md := waitBlocked(ctx, t, id, activities.ErrTypeCancelTooLate)
	for _, part := range []string{"blocked:CancelTooLate", o.Number, "Working", "stop the parcel", "refund", "starter wake --shop " + s.shop} {
		if !strings.Contains(md, part) {
			t.Errorf("current details %q lack %q", md, part)
		}
	}
	if so, _ := s.sb.Logiless.SalesOrder(o.Number); so.DocumentStatus == logilessapi.StatusCancel || so.ReversalRequests != 0 {
		t.Fatalf("the order in work was cancelled or a reversal sent (%d)", so.ReversalRequests)
	}

	third := s.discover(ctx) // still Working: left asleep
	if len(third.ChangesStarted) != 0 || outcomeOf(ctx, t, id) != workflows.OutcomeBlockedPrefix+"CancelTooLate" {
		t.Errorf("discovery while still in work = %+v, outcome %q", third, outcomeOf(ctx, t, id))
	}

	if err := s.sb.Logiless.SetDeliveryStatus(o.Number, logilessapi.StatusWaitingForShipment); err != nil {
		t.Fatal(err)
	}
	s.discover(ctx) // wakes it
	res := changeResult(ctx, t, s.shop, o.Number)
	so, _ := s.sb.Logiless.SalesOrder(o.Number)
	if res.Outcome != workflows.OutcomeCancelledInLogiless || so.DocumentStatus != logilessapi.StatusCancel || so.ReversalRequests != 1 {
		t.Fatalf("after moving back: run %+v, LOGILESS %s with %d reversal requests; want cancelled once", res, so.DocumentStatus, so.ReversalRequests)
	}
	if free := freeStock(t, s); free != 10 {
		t.Errorf("free stock %d, want 10", free)
	}
	storeReplayHistoryAs(t, "changeorder-toolate.json", workflows.OrderChangesChangeID, fetchHistory(ctx, t, id))
}

// A payment completed in ecforce after the import (a bank transfer) is
// written to the LOGILESS sales order once; a later discovery changes
// nothing.
func TestOrderPaymentCompletedLater(t *testing.T) {
	ctx := testContext(t, 3*time.Minute)
	s := newStack(t, stackOptions{shopYAML: func(y string) string {
		return strings.Replace(y, "{クレジットカード決済: credit_card_payment,", "{銀行振込: bank_transfer, クレジットカード決済: credit_card_payment,", 1)
	}})
	seedChangeArticle(t, s, 10)
	// An unpaid bank transfer: a payment_state the connector does not map
	// carries nothing to LOGILESS (our inference of its value).
	o := seedChangeOrder(t, s, ecforceapi.OrderSeed{PaymentState: "pending", PaymentMethodName: "銀行振込"})
	if first := s.discover(ctx); len(first.Started) != 1 || len(first.ChangesStarted) != 0 {
		t.Fatalf("first discovery = %+v", first)
	}
	if so, _ := s.sb.Logiless.SalesOrder(o.Number); so.IncomingPaymentStatus != "NotPaid" || so.PaymentMethod != "bank_transfer" {
		t.Fatalf("imported as %s / %s, want NotPaid bank_transfer", so.IncomingPaymentStatus, so.PaymentMethod)
	}
	if _, err := s.sb.Ecforce.CompletePayment(o.ID, "paid"); err != nil {
		t.Fatal(err)
	}
	second := s.discover(ctx)
	if len(second.ChangesStarted) != 1 {
		t.Fatalf("discovery after the payment = %+v; want one change run", second)
	}
	res := changeResult(ctx, t, s.shop, o.Number)
	so, _ := s.sb.Logiless.SalesOrder(o.Number)
	if res.Outcome != workflows.OutcomePaymentUpdated || so.IncomingPaymentStatus != "Paid" || so.Updates != 1 {
		t.Fatalf("change run %+v, LOGILESS %s after %d updates; want Paid once", res, so.IncomingPaymentStatus, so.Updates)
	}
	if third := s.discover(ctx); len(third.ChangesStarted) != 0 {
		t.Errorf("a later discovery started %v", third.ChangesStarted)
	}
	if so, _ := s.sb.Logiless.SalesOrder(o.Number); so.Updates != 1 {
		t.Errorf("%d updates, want 1", so.Updates)
	}
	storeReplayHistoryAs(t, "changeorder-payment.json", workflows.OrderChangesChangeID, fetchHistory(ctx, t, workflows.OrderChangeID(s.shop, o.Number)))
}

// storeReplayHistoryAs stores h as workflows/testdata/<name>.<version>.json
// (with UPDATE_REPLAY_HISTORIES): the histories of one change ID's tests.
func storeReplayHistoryAs(t *testing.T, name, version string, h *historypb.History) {
	t.Helper()
	storeReplayHistoryFile(t, strings.TrimSuffix(name, ".json")+"."+version+".json", h)
}

// The incremental discovery loop follows cancellations and payments at its
// next tick (here a discover-now, as a webhook sends), without listing
// ecforce again: each imported order gets its ChangeOrder run.
func TestOrderChangesFromTheDiscoveryLoop(t *testing.T) {
	ctx := testContext(t, 3*time.Minute)
	s := newStack(t, stackOptions{})
	seedChangeArticle(t, s, 10)
	cancelled := seedChangeOrder(t, s, ecforceapi.OrderSeed{})
	paid := seedChangeOrder(t, s, ecforceapi.OrderSeed{PaymentState: "pending", PaymentMethodName: "銀行振込"})
	l := startLoop(ctx, t, s, workflows.FlowOrderImport)
	waitImported(ctx, t, s, cancelled.Number)
	waitImported(ctx, t, s, paid.Number)
	l.now(ctx, t, workflows.DiscoverNow{Event: "test"}) // settles the imports

	if _, err := s.sb.Ecforce.CancelOrder(cancelled.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.sb.Ecforce.CompletePayment(paid.ID, "paid"); err != nil {
		t.Fatal(err)
	}
	s.sb.Ecforce.ResetRequestCounts()
	l.now(ctx, t, workflows.DiscoverNow{Event: "order_canceled", OrderID: cancelled.ID, OrderNumber: cancelled.Number})
	if res := changeResult(ctx, t, s.shop, cancelled.Number); res.Outcome != workflows.OutcomeCancelledInLogiless {
		t.Errorf("cancelled order: %+v", res)
	}
	if res := changeResult(ctx, t, s.shop, paid.Number); res.Outcome != workflows.OutcomePaymentUpdated {
		t.Errorf("paid order: %+v", res)
	}
	if so, _ := s.sb.Logiless.SalesOrder(cancelled.Number); so.DocumentStatus != logilessapi.StatusCancel || so.ReversalRequests != 1 {
		t.Errorf("LOGILESS %s after %d reversal requests", so.DocumentStatus, so.ReversalRequests)
	}
	if so, _ := s.sb.Logiless.SalesOrder(paid.Number); so.IncomingPaymentStatus != "Paid" || so.Updates != 1 {
		t.Errorf("LOGILESS %s after %d updates", so.IncomingPaymentStatus, so.Updates)
	}
	if n := s.sb.Ecforce.RequestCounts()["GET /api/v2/admin/orders"]; n > 2 {
		t.Errorf("%d ecforce listings for the tick, want the loop's own (the changes add none)", n)
	}
	l.replay(ctx, t, "discoverorders-changes."+workflows.UpdatedOrderChangesChangeID+".json")
}
