package e2e

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/ecforce-logiless/connector/activities"
	"github.com/ecforce-logiless/connector/config"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
	"github.com/ecforce-logiless/connector/workflows"
)

// withCodePrefix sets order_import.code_prefix in a shop's entry.
func withCodePrefix(prefix string) func(string) string {
	return func(y string) string {
		return strings.Replace(y, "      imported_state: \"\"\n", "      imported_state: \"\"\n      code_prefix: "+prefix+"\n", 1)
	}
}

// §3: two ecforce shops on one LOGILESS merchant number their orders
// alike. Each imports under its own code_prefix; an order imported before
// its shop had a prefix is recognised under its bare code; a code that
// another store holds fails OrderCodeTaken, names both shops, and leaves
// ecforce untouched; the shipment notification maps each code back to the
// shop's 受注番号; and a shops file whose shops could collide is refused.
func TestMultiShopOneMerchantNeverLosesAnOrder(t *testing.T) {
	ctx := testContext(t, 4*time.Minute)
	s := newStack(t, stackOptions{neighbourOnMerchant: true, shopYAML: withCodePrefix("A-"),
		neighbourYAML: func(y string) string {
			return strings.Replace(withCodePrefix("B-")(y), `imported_state: ""`, `imported_state: "linked"`, 1)
		}})
	shopA, shopB := s.shop, s.neighbour.shop
	ecA, ecB, ll := s.sb.Ecforce, s.neighbour.sb.Ecforce, s.sb.Logiless
	if err := ecB.AddOrderState("linked", "連携済"); err != nil {
		t.Fatal(err)
	}
	seedBacklogArticle(t, s)
	seed := func(ec *ecforceapi.Server) ecforceapi.Order {
		t.Helper()
		o, err := ec.SeedOrder(ecforceapi.OrderSeed{ScheduledToBeShippedAt: today(), ShippingCarrierID: 1,
			Items: []ecforceapi.OrderItemSeed{{SKU: "TS-WHT-M", Name: "Tシャツ M", Price: 3980, Quantity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	inStore := func(code string, store int64) {
		t.Helper()
		if _, err := ll.SeedSalesOrder(map[string]any{"code": code, "buyer_name1": "山田 太郎", "recipient_name1": "山田 太郎",
			"recipient_address1": "東京都渋谷区", "payment_method": "credit_card_payment", "delivery_method": "yamato", "store": store,
			"lines": []map[string]any{{"article_code": "TS-WHT-M", "article_name": "Tシャツ M", "quantity": 1, "price": 3980}}}); err != nil {
			t.Fatal(err)
		}
	}
	a1, a2 := seed(ecA), seed(ecA)
	b1, b2, b3 := seed(ecB), seed(ecB), seed(ecB)
	if a1.Number != b1.Number || a2.Number != b2.Number {
		t.Fatalf("the shops should number alike: %s/%s, %s/%s", a1.Number, b1.Number, a2.Number, b2.Number)
	}
	inStore(a2.Number, logilessapi.DefaultStoreID) // shop A's, imported before A had its prefix
	inStore("B-"+b3.Number, logilessapi.DefaultStoreID)

	resA := s.discoverShop(ctx, shopA)
	if resA.Listed != 2 || resA.AlreadyInLogiless != 1 || len(resA.Started) != 1 {
		t.Errorf("shop A's discovery = %+v; want %s imported, %s recognised under its bare code", resA, a1.Number, a2.Number)
	}
	resB := s.discoverShop(ctx, shopB)
	if resB.Listed != 3 || len(resB.Started) != 3 || resB.CodeTaken != 1 {
		t.Errorf("shop B's discovery = %+v; want 3 started, 1 code taken", resB)
	}
	for code, store := range map[string]int64{
		"A-" + a1.Number: logilessapi.DefaultStoreID, a2.Number: logilessapi.DefaultStoreID,
		"B-" + b1.Number: neighbourStoreID, "B-" + b2.Number: neighbourStoreID, "B-" + b3.Number: logilessapi.DefaultStoreID,
	} {
		if so, ok := ll.SalesOrder(code); !ok || so.Store != store {
			t.Errorf("LOGILESS %s: store %d (found %t), want store %d", code, so.Store, ok, store)
		}
	}
	if got := len(ll.SalesOrders()); got != 5 {
		t.Errorf("LOGILESS holds %d sales orders, want 5 (none re-imported)", got)
	}
	for _, o := range []ecforceapi.Order{b1, b2} {
		if got, _ := ecB.Order(o.ID); got.State != "linked" {
			t.Errorf("shop B's %s is %q, want linked", o.Number, got.State)
		}
	}

	err := runError(ctx, t, workflows.ImportOrderID(shopB, b3.Number))
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != activities.ErrTypeOrderCodeTaken || !appErr.NonRetryable() {
		t.Fatalf("shop B's %s: %v; want non-retryable %s", b3.Number, err, activities.ErrTypeOrderCodeTaken)
	}
	for _, want := range []string{shopB, `shop "` + shopA + `"`, "B-" + b3.Number, "code_prefix", "docs/errors.md#ordercodetaken"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("OrderCodeTaken message does not mention %q: %v", want, err)
		}
	}
	if got, _ := ecB.Order(b3.ID); got.State != "complete" {
		t.Errorf("shop B's %s is %q; nothing may be written to ecforce", b3.Number, got.State)
	}
	again := s.discoverShop(ctx, shopB)
	if again.Listed != 1 || len(again.Started) != 0 || again.AlreadyHandled != 0 || again.Blocked != 1 ||
		len(again.Waiting) != 1 || again.Waiting[0].Reason != workflows.WaitBlocked+activities.ErrTypeOrderCodeTaken {
		t.Errorf("shop B's next discovery = %+v; want the taken order left alone (run once)", again)
	}

	// The shipment notification maps each code back to its shop's 受注番号.
	for _, code := range []string{"A-" + a1.Number, a2.Number, "B-" + b1.Number} {
		shipInLogiless(t, s, code, 0, logilessapi.DeliveryShipment{TrackingNumbers: []string{"TRK-" + code}})
	}
	for shop, want := range map[string][]string{shopA: {a1.Number, a2.Number}, shopB: {b1.Number}} {
		run := s.start(ctx, client.StartWorkflowOptions{ID: workflows.NotifyShipmentsID(shop),
			WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE},
			workflows.NotifyShipments, workflows.NotifyShipmentsInput{Shop: shop})
		var res workflows.NotifyShipmentsResult
		if err := run.Get(ctx, &res); err != nil {
			t.Fatalf("shipment discovery of %s: %v", shop, err)
		}
		var ids []string
		for _, n := range want {
			ids = append(ids, workflows.NotifyShipmentID(shop, n))
		}
		started := slices.Sorted(slices.Values(res.Started))
		if strings.Join(started, " ") != strings.Join(ids, " ") {
			t.Errorf("shipment discovery of %s started %v, want %v", shop, res.Started, ids)
		}
		awaitShipmentRuns(ctx, t, res.Started...)
	}
	for _, c := range []struct {
		ec   *ecforceapi.Server
		o    ecforceapi.Order
		slip string
	}{{ecA, a1, "TRK-A-" + a1.Number}, {ecA, a2, "TRK-" + a2.Number}, {ecB, b1, "TRK-B-" + b1.Number}, {ecB, b2, ""}} {
		if got, _ := c.ec.Order(c.o.ID); got.ShippingSlip != c.slip {
			t.Errorf("order %s: slip %q, want %q", c.o.Number, got.ShippingSlip, c.slip)
		}
	}

	// The same two shops without prefixes: the worker refuses to start.
	shops, err := os.ReadFile(filepath.Join(s.dir, "shops.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	bare := strings.NewReplacer("      code_prefix: A-\n", "", "      code_prefix: B-\n", "").Replace(string(shops))
	writeFile(t, filepath.Join(s.dir, "collide.yaml"), bare)
	_, err = config.LoadShops(filepath.Join(s.dir, "collide.yaml"), func(string) (string, bool) { return "x", true })
	if err == nil || !strings.Contains(err.Error(), "could collide") || !strings.Contains(err.Error(), shopA) || !strings.Contains(err.Error(), shopB) {
		t.Errorf("loading two shops on one merchant without prefixes: %v; want a refusal naming both", err)
	}
}
