package e2e

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/ecforce-logiless/connector/activities"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/httpfake"
	"github.com/ecforce-logiless/connector/workflows"
)

// importFailure waits for an order's import and returns its application
// error, failing the test unless it is a non-retryable one of errType
// that mentions every string of mentions.
func importFailure(ctx context.Context, t *testing.T, shop, number, errType string, mentions ...string) *temporal.ApplicationError {
	t.Helper()
	err := runError(ctx, t, workflows.ImportOrderID(shop, number))
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != errType || !appErr.NonRetryable() {
		t.Fatalf("import of %s: %v; want non-retryable %s", number, err, errType)
	}
	for _, m := range mentions {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("import of %s: %q does not mention %q", number, err, m)
		}
	}
	return appErr
}

// outcomeOf is the ConnectorOutcome of a workflow's latest run.
func outcomeOf(ctx context.Context, t *testing.T, workflowID string) string {
	t.Helper()
	desc, err := temporalClient.DescribeWorkflowExecution(ctx, workflowID, "")
	if err != nil {
		t.Fatal(err)
	}
	raw := desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()[workflows.OutcomeAttribute.GetName()]
	return strings.Trim(string(raw.GetData()), `"`)
}

// importOne runs ImportOrder for one order, as `starter import-order` does.
func (s *stack) importOne(ctx context.Context, in workflows.ImportOrderInput) (workflows.ImportOrderResult, error) {
	s.t.Helper()
	run := s.start(ctx, client.StartWorkflowOptions{ID: workflows.ImportOrderID(in.Shop, in.OrderNumber),
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE}, workflows.ImportOrder, in)
	var res workflows.ImportOrderResult
	err := run.Get(ctx, &res)
	return res, err
}

// §4: an order with several destinations (複数配送先) is never imported to
// one address: its import fails MultipleDestinations, says what to do,
// creates nothing, and is not started again by the next discovery.
func TestOrderImportMultipleDestinations(t *testing.T) {
	ctx := testContext(t, 2*time.Minute)
	s := newStack(t, stackOptions{})
	seedBacklogArticle(t, s)
	seed := func(o ecforceapi.OrderSeed) ecforceapi.Order {
		t.Helper()
		o.ScheduledToBeShippedAt, o.ShippingCarrierID = today(), 1
		o.Items = []ecforceapi.OrderItemSeed{{SKU: "TS-WHT-M", Price: 3980, Quantity: 2}}
		got, err := s.sb.Ecforce.SeedOrder(o)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	two := seed(ecforceapi.OrderSeed{ShippingAddresses: []ecforceapi.Address{
		{Name01: "山田", Name02: "太郎", Zip01: "150", Zip02: "0001", PrefectureID: 13, Addr01: "渋谷区神宮前", Addr02: "1-2-3"},
		{Name01: "山田", Name02: "花子", Zip01: "530", Zip02: "0001", PrefectureID: 27, Addr01: "大阪市北区梅田", Addr02: "4-5"},
	}})
	flagged := seed(ecforceapi.OrderSeed{MultipleShipping: true})
	single := seed(ecforceapi.OrderSeed{})

	first := s.discover(ctx)
	if len(first.Started) != 3 {
		t.Fatalf("discovery = %+v; want 3 imports started", first)
	}
	importFailure(ctx, t, s.shop, two.Number, activities.ErrTypeMultipleDestinations,
		two.Number, "2 shipping addresses", "split it", "by hand", "docs/errors.md#multipledestinations")
	importFailure(ctx, t, s.shop, flagged.Number, activities.ErrTypeMultipleDestinations, "multiple_shipping")
	for _, o := range []ecforceapi.Order{two, flagged} {
		if _, ok := s.sb.Logiless.SalesOrder(o.Number); ok {
			t.Errorf("order %s with several destinations is in LOGILESS", o.Number)
		}
	}
	if _, ok := s.sb.Logiless.SalesOrder(single.Number); !ok {
		t.Errorf("the order with one destination %s is not in LOGILESS", single.Number)
	}
	second := s.discover(ctx)
	if len(second.Started) != 0 || second.AlreadyHandled != 0 || second.Blocked != 2 || second.AlreadyInLogiless != 1 {
		t.Errorf("next discovery = %+v; want the two failed imports left alone (they run once)", second)
	}
}

// §7 (import side): a cancelled order that was never imported is never
// imported: discovery does not list it, and a manual import refuses it,
// even with IgnoreFilters.
func TestOrderImportNeverImportsCancelledOrders(t *testing.T) {
	ctx := testContext(t, 2*time.Minute)
	s := newStack(t, stackOptions{})
	seedBacklogArticle(t, s)
	cancelled, err := s.sb.Ecforce.SeedOrder(ecforceapi.OrderSeed{State: "canceled", ScheduledToBeShippedAt: today(), ShippingCarrierID: 1,
		Items: []ecforceapi.OrderItemSeed{{SKU: "TS-WHT-M", Price: 3980, Quantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	live := seedNewOrder(t, s)
	res := s.discover(ctx)
	if res.Listed != 1 || len(res.Started) != 1 || res.Started[0] != workflows.ImportOrderID(s.shop, live.Number) {
		t.Errorf("discovery = %+v; want only %s", res, live.Number)
	}
	_, err = s.importOne(ctx, workflows.ImportOrderInput{Shop: s.shop, OrderNumber: cancelled.Number, IgnoreFilters: true})
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != activities.ErrTypeOutsideImportFilters || !strings.Contains(err.Error(), "never imported") {
		t.Errorf("manual import of the cancelled order: %v; want %s saying it is never imported", err, activities.ErrTypeOutsideImportFilters)
	}
	if _, ok := s.sb.Logiless.SalesOrder(cancelled.Number); ok {
		t.Errorf("the cancelled order %s is in LOGILESS", cancelled.Number)
	}
}

// §9: an order LOGILESS puts on 確認待ち (here: an article code its master
// does not know) ends with its own outcome, so operators can filter it.
func TestOrderImportWaitingForConfirmation(t *testing.T) {
	ctx := testContext(t, 2*time.Minute)
	s := newStack(t, stackOptions{mapping: testMapping + "MYSTERY-1,NOT-IN-MASTER,0,100,,\n"})
	o, err := s.sb.Ecforce.SeedOrder(ecforceapi.OrderSeed{ScheduledToBeShippedAt: today(), ShippingCarrierID: 1,
		Items: []ecforceapi.OrderItemSeed{{SKU: "MYSTERY-1", Price: 1200, Quantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	res := s.discover(ctx)
	if len(res.Started) != 1 {
		t.Fatalf("discovery = %+v; want one import", res)
	}
	id := workflows.ImportOrderID(s.shop, o.Number)
	var imported workflows.ImportOrderResult
	if err := temporalClient.GetWorkflow(ctx, id, "").Get(ctx, &imported); err != nil {
		t.Fatal(err)
	}
	if imported.Outcome != workflows.OutcomeImportedWaitingConfirmation || !imported.WaitingForConfirmation {
		t.Errorf("import result = %+v; want outcome %s", imported, workflows.OutcomeImportedWaitingConfirmation)
	}
	if got := outcomeOf(ctx, t, id); got != workflows.OutcomeImportedWaitingConfirmation {
		t.Errorf("ConnectorOutcome = %q, want %q", got, workflows.OutcomeImportedWaitingConfirmation)
	}
	if so, ok := s.sb.Logiless.SalesOrder(o.Number); !ok || !so.WaitingForConfirmation {
		t.Errorf("LOGILESS order %s: found %t, waiting %t", o.Number, ok, so.WaitingForConfirmation)
	}
	replayAndStore(t, "importorder-waiting-confirmation.json", fetchRunHistory(ctx, t, id, ""))
}

// §9: the "imported" 対応状況 is verified from the PUT's own answer, the
// updated order document: no read follows a write that was answered, and
// an answer that kept the old state fails at once, non-retryable.
func TestOrderImportStateVerifiedFromTheAnswer(t *testing.T) {
	ctx := testContext(t, 2*time.Minute)
	s := newStack(t, stackOptions{shopYAML: func(y string) string {
		return strings.Replace(y, `imported_state: ""`, `imported_state: "linked"`, 1)
	}})
	if err := s.sb.Ecforce.AddOrderState("linked", "連携済"); err != nil {
		t.Fatal(err)
	}
	seedBacklogArticle(t, s)
	ok, kept := seedNewOrder(t, s), seedNewOrder(t, s)
	s.sb.Ecforce.InjectFault(httpfake.Fault{Method: "PUT", PathPrefix: fmt.Sprintf("/api/v2/admin/orders/%d", kept.ID), Status: 200,
		Body: fmt.Sprintf(`{"data":{"id":"%d","type":"order","attributes":{"id":%d,"number":%q,"state":"complete"}}}`, kept.ID, kept.ID, kept.Number)})
	s.sb.Ecforce.ResetRequestCounts()
	s.discover(ctx)

	var res workflows.ImportOrderResult
	if err := temporalClient.GetWorkflow(ctx, workflows.ImportOrderID(s.shop, ok.Number), "").Get(ctx, &res); err != nil || res.StateSet != "linked" {
		t.Errorf("import of %s: %+v, %v; want linked set", ok.Number, res, err)
	}
	importFailure(ctx, t, s.shop, kept.Number, activities.ErrTypeStateChangeNotApplied, `"complete"`, "order_import.imported_state")
	counts := s.sb.Ecforce.RequestCounts()
	if counts[importReqEcPut] != 2 || counts[importReqEcGet] != 0 {
		t.Errorf("%d state writes and %d order reads; want 2 writes (one each, never retried) and no read", counts[importReqEcPut], counts[importReqEcGet])
	}
}
