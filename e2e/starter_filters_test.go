package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/activities"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
)

// §9: `starter import-order` of an order outside the shop's filters refuses
// and says why, unless --ignore-filters; a cancelled order is refused even
// then; --force keeps its meaning (run again after a completed run).
func TestStarterImportOrderFilters(t *testing.T) {
	ctx := testContext(t, 3*time.Minute)
	s := newStack(t, stackOptions{})
	o := seedImportScenario(t, s)
	cancelled, err := s.sb.Ecforce.SeedOrder(ecforceapi.OrderSeed{State: "canceled", ScheduledToBeShippedAt: today(), ShippingCarrierID: 1,
		Items: []ecforceapi.OrderItemSeed{{SKU: "TS-WHT-M", Price: 3980, Quantity: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	cli := newStarterCLI(ctx, t, s)
	const ok, failed = 0, 1
	expect := func(out string, wants ...string) {
		t.Helper()
		for _, w := range wants {
			if !strings.Contains(out, w) {
				t.Errorf("starter output does not mention %q:\n%s", w, out)
			}
		}
	}

	out := cli.run(failed, "import-order", "--shop", s.shop, "--order", o.notComplete.Number, "--wait")
	expect(out, "starter: "+activities.ErrTypeOutsideImportFilters, `"new"`, "order_import.states", "--ignore-filters")
	out = cli.run(failed, "import-order", "--shop", s.shop, "--order", o.future.Number, "--wait")
	expect(out, activities.ErrTypeOutsideImportFilters, "発送予定日", "only_due_today_or_earlier", "--ignore-filters")
	out = cli.run(failed, "import-order", "--shop", s.shop, "--order", cancelled.Number, "--ignore-filters", "--wait")
	expect(out, activities.ErrTypeOutsideImportFilters, "never imported")
	if strings.Contains(out, "run starter import-order with --ignore-filters") {
		t.Errorf("a cancelled order must not be offered --ignore-filters:\n%s", out)
	}
	for _, n := range []string{o.notComplete.Number, o.future.Number, cancelled.Number} {
		if _, found := s.sb.Logiless.SalesOrder(n); found {
			t.Errorf("refused order %s is in LOGILESS", n)
		}
	}

	for _, n := range []string{o.notComplete.Number, o.future.Number} {
		out = cli.run(ok, "import-order", "--shop", s.shop, "--order", n, "--ignore-filters", "--wait")
		expect(out, "imported: LOGILESS sales order")
		if _, found := s.sb.Logiless.SalesOrder(n); !found {
			t.Errorf("order %s imported with --ignore-filters is not in LOGILESS", n)
		}
	}
	out = cli.run(failed, "import-order", "--shop", s.shop, "--order", o.notComplete.Number, "--wait")
	expect(out, "imported already", "--force")
	out = cli.run(ok, "import-order", "--shop", s.shop, "--order", o.notComplete.Number, "--force", "--wait")
	expect(out, "already-in-logiless")
	if got := len(s.sb.Logiless.SalesOrders()); got != 2 {
		t.Errorf("LOGILESS holds %d sales orders, want 2", got)
	}
}
