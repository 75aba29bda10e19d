package e2e

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/ecforce-logiless/connector/activities"
	"github.com/ecforce-logiless/connector/sandbox"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
	"github.com/ecforce-logiless/connector/workflows"
)

var jst = time.FixedZone("JST", 9*60*60)

func today() time.Time {
	y, m, d := time.Now().In(jst).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, jst)
}

type seededOrders struct {
	multiLine, set, unmapped, future, undated, notComplete ecforceapi.Order
}

// seedImportScenario seeds the LOGILESS articles and the ecforce orders
// every import test uses.
func seedImportScenario(t *testing.T, s *stack) seededOrders {
	t.Helper()
	return seedImportOrders(t, s.sb)
}

// seedImportOrders seeds the scenario into one shop's sandbox.
func seedImportOrders(t *testing.T, sb *sandbox.Servers) seededOrders {
	t.Helper()
	ll, ec := sb.Logiless, sb.Ecforce
	for _, code := range []string{"TS-WHT-M", "MUG-BLU", "SOAP-LAV", "SOAP-CIT"} {
		if _, err := ll.SeedArticle(logilessapi.Article{Code: code, Name: code}); err != nil {
			t.Fatal(err)
		}
		if err := ll.SetFreeStock(code, 100); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ll.SeedArticle(logilessapi.Article{Code: "SOAP-SET3", Name: "石鹸3個セット", ArticleType: logilessapi.ArticleAssortment,
		Components: []logilessapi.ArticleComponent{{Component: "SOAP-LAV", Quantity: 2}, {Component: "SOAP-CIT", Quantity: 1}}}); err != nil {
		t.Fatal(err)
	}
	seed := func(o ecforceapi.OrderSeed) ecforceapi.Order {
		t.Helper()
		got, err := ec.SeedOrder(o)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	return seededOrders{
		multiLine: seed(ecforceapi.OrderSeed{ScheduledToBeShippedAt: today(), ShippingCarrierID: 2, DelivFee: 550, Point: 100, Remark: "置き配希望",
			Items: []ecforceapi.OrderItemSeed{{SKU: "TS-WHT-M", Name: "Tシャツ M", Price: 3980, Quantity: 2}, {SKU: "MUG-BLU", Name: "マグカップ", Price: 2200, Quantity: 1, TaxRate: 8}}}),
		set: seed(ecforceapi.OrderSeed{ScheduledToBeShippedAt: today().AddDate(0, 0, -1), ShippingCarrierID: 1,
			Items: []ecforceapi.OrderItemSeed{{SKU: "SOAP-SET3", Name: "石鹸3個セット", Price: 2400, Quantity: 2}}}),
		unmapped: seed(ecforceapi.OrderSeed{ScheduledToBeShippedAt: today(), ShippingCarrierID: 1,
			Items: []ecforceapi.OrderItemSeed{{SKU: "TS-WHT-M", Price: 3980, Quantity: 1}, {SKU: "GIFT-WRAP", Price: 330, Quantity: 1}}}),
		future: seed(ecforceapi.OrderSeed{ScheduledToBeShippedAt: today().AddDate(0, 0, 1), ShippingCarrierID: 1,
			Items: []ecforceapi.OrderItemSeed{{SKU: "MUG-BLU", Price: 2200, Quantity: 1}}}),
		undated: seed(ecforceapi.OrderSeed{ShippingCarrierID: 3, PaymentMethodName: "代金引換", PaymentState: "cash_on_delivery_authed",
			Items: []ecforceapi.OrderItemSeed{{SKU: "SOAP-LAV", Price: 880, Quantity: 3}}}),
		notComplete: seed(ecforceapi.OrderSeed{State: "new", ScheduledToBeShippedAt: today(),
			Items: []ecforceapi.OrderItemSeed{{SKU: "TS-WHT-M", Price: 3980, Quantity: 1}}}),
	}
}

// discover runs one ImportOrders and waits for it and every import it
// started to finish.
func (s *stack) discover(ctx context.Context) workflows.ImportOrdersResult {
	s.t.Helper()
	return s.discoverShop(ctx, s.shop)
}

// discoverShop is discover for one shop of the stack. A discovery that
// continued as new is followed to its last run, whose result it returns
// (and whose imports it waits for).
func (s *stack) discoverShop(ctx context.Context, shop string) workflows.ImportOrdersResult {
	s.t.Helper()
	run := s.start(ctx, client.StartWorkflowOptions{
		ID:                    workflows.ImportOrdersID(shop),
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
	}, workflows.ImportOrders, workflows.ImportOrdersInput{Shop: shop})
	var res workflows.ImportOrdersResult
	if err := run.Get(ctx, &res); err != nil {
		s.t.Fatalf("discovery failed: %v", err)
	}
	for _, id := range res.Started {
		_ = runError(ctx, s.t, id) // failures and blocked runs are checked by the callers
	}
	return res
}

func TestOrderImportEndToEnd(t *testing.T) {
	ctx := testContext(t, 3*time.Minute)
	s := newStack(t, stackOptions{})
	o := seedImportScenario(t, s)

	first := s.discover(ctx)
	if first.Listed != 5 || first.NotYetDue != 1 || len(first.Started) != 4 {
		t.Fatalf("first discovery = %+v; want 5 listed, 1 not yet due, 4 started", first)
	}

	// Every due, mapped order is in LOGILESS exactly once, field by field.
	ll := s.sb.Logiless
	if got := len(ll.SalesOrders()); got != 3 {
		t.Errorf("LOGILESS holds %d sales orders, want 3", got)
	}
	so, ok := ll.SalesOrder(o.multiLine.Number)
	if !ok {
		t.Fatalf("multi-line order %s is not in LOGILESS", o.multiLine.Number)
	}
	checkSalesOrder(t, so, o.multiLine, "sagawa", "credit_card_payment", []wantLine{{"TS-WHT-M", 2, 3980}, {"MUG-BLU", 1, 2200}})
	if so.ScheduledShippingDate != today().Format("2006-01-02") || so.BuyerComment != "置き配希望" || so.DeliveryFee != 550 || so.UsePoint != 100 {
		t.Errorf("multi-line order: date %q comment %q fee %d point %d", so.ScheduledShippingDate, so.BuyerComment, so.DeliveryFee, so.UsePoint)
	}
	setSO, ok := ll.SalesOrder(o.set.Number)
	if !ok {
		t.Fatalf("set order %s is not in LOGILESS", o.set.Number)
	}
	checkSalesOrder(t, setSO, o.set, "yamato", "credit_card_payment", []wantLine{{"SOAP-SET3", 2, 2400}})
	if children := childLines(setSO); children["SOAP-LAV"] != 4 || children["SOAP-CIT"] != 2 {
		t.Errorf("set order child lines = %v, want SOAP-LAV×4 and SOAP-CIT×2", children)
	}
	undated, ok := ll.SalesOrder(o.undated.Number)
	if !ok {
		t.Fatalf("order %s without a scheduled date is not in LOGILESS", o.undated.Number)
	}
	checkSalesOrder(t, undated, o.undated, "yu_packet", "cod", []wantLine{{"SOAP-LAV", 3, 880}})

	for _, missing := range []ecforceapi.Order{o.unmapped, o.future, o.notComplete} {
		if _, ok := ll.SalesOrder(missing.Number); ok {
			t.Errorf("order %s must not be in LOGILESS", missing.Number)
		}
	}

	// The unmapped order waits blocked on a non-retryable error naming the
	// SKU: still running, outcome blocked:UnmappedSKU, its details say why
	// and how it resumes.
	unmappedID := workflows.ImportOrderID(s.shop, o.unmapped.Number)
	details := waitBlocked(ctx, t, unmappedID, activities.ErrTypeUnmappedSKU)
	for _, want := range []string{"blocked:UnmappedSKU since ", "GIFT-WRAP", o.unmapped.Number, "starter wake --shop " + s.shop + " --order " + o.unmapped.Number} {
		if !strings.Contains(details, want) {
			t.Errorf("blocked run's details %q lack %q", details, want)
		}
	}
	err := runError(ctx, t, unmappedID)
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != activities.ErrTypeUnmappedSKU ||
		!strings.Contains(err.Error(), "GIFT-WRAP") || !strings.Contains(err.Error(), o.unmapped.Number) {
		t.Errorf("unmapped order error = %v; want %s naming GIFT-WRAP and the order", err, activities.ErrTypeUnmappedSKU)
	}

	// The list carried every order: no per-order GET, one create per order.
	ecCounts, llCounts := s.sb.Ecforce.RequestCounts(), ll.RequestCounts()
	if n := ecCounts["GET /api/v2/admin/orders/{id}"]; n != 0 {
		t.Errorf("%d per-order GETs on ecforce; the listing already carried the orders", n)
	}
	if n := llCounts["POST /api/v1/merchant/{id}/sales_orders/new"]; n != 3 {
		t.Errorf("%d sales order creates, want 3", n)
	}
	if n := s.sb.Ecforce.SignInCount(); n != 1 {
		t.Errorf("%d ecforce sign-ins, want 1 (the token is cached)", n)
	}

	// A second discovery creates nothing new: completed imports dedupe by
	// workflow ID, and the order whose SKU is still unmapped is left
	// waiting, not woken to fail the same way (one run per order).
	second := s.discover(ctx)
	if second.AlreadyInLogiless != 3 || len(second.Started) != 0 || second.AlreadyHandled != 0 || second.Blocked != 1 {
		t.Errorf("second discovery = %+v; want 3 already in LOGILESS, nothing started, the unmapped order left alone as blocked", second)
	}
	wantWaits := map[string]int{workflows.WaitNotYetDue: 1, workflows.WaitAlreadyInLogiless: 3, workflows.WaitBlocked + activities.ErrTypeUnmappedSKU: 1}
	for _, w := range second.Waiting {
		if wantWaits[w.Reason] != w.Count || len(w.Orders) != w.Count {
			t.Errorf("second discovery names %s: %d %v; want %d, each named", w.Reason, w.Count, w.Orders, wantWaits[w.Reason])
		}
		if w.Reason == workflows.WaitNotYetDue && (len(w.Orders) != 1 || !strings.Contains(w.Orders[0], "(発送予定日 20")) {
			t.Errorf("the order not yet due is named %v; want its number with its 発送予定日", w.Orders)
		}
		delete(wantWaits, w.Reason)
	}
	if len(wantWaits) > 0 {
		t.Errorf("second discovery's waits %+v lack %v", second.Waiting, wantWaits)
	}
	if got := len(ll.SalesOrders()); got != 3 {
		t.Errorf("after a second discovery LOGILESS holds %d sales orders, want 3", got)
	}

	// Fixing the mapping lets the next discovery wake the blocked run,
	// which imports the order: the same workflow ID, one run, no failure.
	blockedRunID := runIDOf(ctx, t, unmappedID)
	writeFile(t, s.dir+"/mapping.csv", testMapping+"GIFT-WRAP,MUG-BLU,0,100,,\n")
	third := s.discover(ctx)
	if len(third.Started) != 0 || third.AlreadyHandled != 1 || third.Blocked != 0 {
		t.Errorf("third discovery = %+v; want the fixed order's run woken, nothing started", third)
	}
	var fixed workflows.ImportOrderResult
	if err := temporalClient.GetWorkflow(ctx, unmappedID, "").Get(ctx, &fixed); err != nil || fixed.Outcome != workflows.OutcomeImported {
		t.Errorf("fixed order import = %+v, %v; want imported", fixed, err)
	}
	if got := runIDOf(ctx, t, unmappedID); got != blockedRunID {
		t.Errorf("the fixed order completed in run %s, want the blocked run %s", got, blockedRunID)
	}
	if n := failedRunsOf(ctx, t, unmappedID); n != 0 {
		t.Errorf("%d failed runs of %s in visibility, want 0", n, unmappedID)
	}
	if got := len(ll.SalesOrders()); got != 4 {
		t.Errorf("LOGILESS holds %d sales orders after the fix, want 4", got)
	}

	ids := []string{workflows.ImportOrdersID(s.shop)}
	for _, n := range []string{o.multiLine.Number, o.set.Number, o.undated.Number, o.unmapped.Number} {
		ids = append(ids, workflows.ImportOrderID(s.shop, n))
	}
	s.assertNoSecretsLeaked(ctx, ids...)
}

func TestOrderImportWithoutShipDateFilterImportsFutureOrders(t *testing.T) {
	ctx := testContext(t, 2*time.Minute)
	s := newStack(t, stackOptions{shopYAML: func(y string) string {
		return strings.Replace(y, "only_due_today_or_earlier: true", "only_due_today_or_earlier: false", 1)
	}})
	o := seedImportScenario(t, s)
	res := s.discover(ctx)
	if res.NotYetDue != 0 || len(res.Started) != 5 {
		t.Fatalf("discovery = %+v; want 5 started and none waiting", res)
	}
	so, ok := s.sb.Logiless.SalesOrder(o.future.Number)
	if !ok {
		t.Fatalf("future order %s not imported with the filter off", o.future.Number)
	}
	if want := today().AddDate(0, 0, 1).Format("2006-01-02"); so.ScheduledShippingDate != want {
		t.Errorf("ScheduledShippingDate = %q, want %q", so.ScheduledShippingDate, want)
	}
}

type wantLine struct {
	article string
	qty     int64
	price   int64
}

func checkSalesOrder(t *testing.T, so logilessapi.SalesOrder, o ecforceapi.Order, delivery, payment string, lines []wantLine) {
	t.Helper()
	if so.Code != o.Number || so.Store != logilessapi.DefaultStoreID || so.DeliveryMethod != delivery || so.PaymentMethod != payment {
		t.Errorf("order %s: code %q store %d delivery %q payment %q; want delivery %q payment %q",
			o.Number, so.Code, so.Store, so.DeliveryMethod, so.PaymentMethod, delivery, payment)
	}
	ship := o.ShippingAddress
	if want := ship.Name01 + " " + ship.Name02; so.Recipient.Name1 != want {
		t.Errorf("order %s: recipient name %q, want %q", o.Number, so.Recipient.Name1, want)
	}
	if want := ship.Zip01 + "-" + ship.Zip02; so.Recipient.PostCode != want {
		t.Errorf("order %s: recipient post code %q, want %q", o.Number, so.Recipient.PostCode, want)
	}
	if so.Recipient.Address1 != ship.Addr01 || so.Recipient.Address2 != ship.Addr02 {
		t.Errorf("order %s: recipient address %q %q, want %q %q", o.Number, so.Recipient.Address1, so.Recipient.Address2, ship.Addr01, ship.Addr02)
	}
	var top []wantLine
	for _, l := range so.Lines {
		if !l.IsChild {
			top = append(top, wantLine{l.ArticleCode, int64(l.Quantity), int64(l.Price)})
		}
	}
	if len(top) != len(lines) {
		t.Fatalf("order %s: lines %v, want %v", o.Number, top, lines)
	}
	for i := range lines {
		if top[i] != lines[i] {
			t.Errorf("order %s line %d = %v, want %v", o.Number, i+1, top[i], lines[i])
		}
	}
}

func childLines(so logilessapi.SalesOrder) map[string]int {
	out := map[string]int{}
	for _, l := range so.Lines {
		if l.IsChild {
			out[l.ArticleCode] += int(l.Quantity)
		}
	}
	return out
}
