package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/internal/pgtest"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
	"github.com/ecforce-logiless/connector/stocksync"
	"github.com/ecforce-logiless/connector/workflows"
)

// Three workers, each with its own state directory as on three machines,
// share one PostgreSQL state store and import orders while LOGILESS access
// tokens keep expiring and every refresh revokes the previous access token:
// every order is imported once, no refresh token is spent twice, nobody is
// told to authorize again, the three sign in to ecforce once, and stock
// syncs continue from the watermark whichever worker ran the last one.
func TestThreeWorkersShareOneTokenOwner(t *testing.T) {
	url := pgtest.URL(t)
	ctx := testContext(t, 4*time.Minute)
	s := newStack(t, stackOptions{stateURL: url, extraWorkers: 2, logiless: func(c *logilessapi.Config) {
		c.AccessTokenTTL = 6 * time.Second
		c.RevokeAccessOnRefresh = true
	}})
	ll, ec := s.sb.Logiless, s.sb.Ecforce
	for _, code := range []string{"TS-WHT-M", "MUG-BLU"} {
		if _, err := ll.SeedArticle(logilessapi.Article{Code: code, Name: code}); err != nil {
			t.Fatal(err)
		}
		if err := ll.SetFreeStock(code, 1000); err != nil {
			t.Fatal(err)
		}
	}
	const orders = 24
	var numbers []string
	for i := range orders {
		sku := []string{"TS-WHT-M", "MUG-BLU"}[i%2]
		o, err := ec.SeedOrder(ecforceapi.OrderSeed{ScheduledToBeShippedAt: today(), ShippingCarrierID: 1,
			Items: []ecforceapi.OrderItemSeed{{SKU: sku, Price: 1000, Quantity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		numbers = append(numbers, o.Number)
	}

	// Every worker's first call meets an expired token; later the short
	// lifetime makes them refresh again, each refresh revoking the access
	// token the other workers hold.
	ll.ExpireAccessTokens()
	res := s.discover(ctx)

	if len(res.Started) != orders {
		t.Fatalf("discovery started %d imports, want %d: %+v", len(res.Started), orders, res)
	}
	for _, n := range numbers {
		var r workflows.ImportOrderResult
		err := temporalClient.GetWorkflow(ctx, workflows.ImportOrderID(s.shop, n), "").Get(ctx, &r)
		if err != nil || r.Outcome != workflows.OutcomeImported {
			t.Errorf("import of %s = %+v, %v; want imported", n, r, err)
		}
	}
	count := map[string]int{}
	for _, so := range ll.SalesOrders() {
		count[so.Code]++
	}
	for _, n := range numbers {
		if count[n] != 1 {
			t.Errorf("order %s is %d times in LOGILESS, want once", n, count[n])
		}
	}
	if n := ll.RefreshTokenReuses(); n != 0 {
		t.Errorf("%d refresh-token reuses, want 0", n)
	}
	if _, refreshed := ll.TokenCounts(); refreshed == 0 {
		t.Error("no token refresh happened; the test proves nothing")
	}
	// The ecforce sign-in token is shared too: one sign-in for three workers.
	if n := ec.SignInCount(); n != 1 {
		t.Errorf("%d ecforce sign-ins, want 1 (the workers share the signed-in token)", n)
	}
	logs := s.logs.String()
	if strings.Contains(logs, "LogilessReauthorizationNeeded") || strings.Contains(logs, "authorization must be renewed") {
		t.Error("a worker asked for a LOGILESS reauthorization")
	}
	if !strings.Contains(logs, "adopted a LOGILESS token") {
		t.Error("no worker adopted a token another one refreshed; were three workers running?")
	}
	// The stock watermark is shared too: whichever worker plans the second
	// stock sync finds the first one's state and runs an incremental pass.
	first, _ := s.reconcileStock(ctx, workflows.ReconcileStockInput{Shop: s.shop})
	if first.Mode != stocksync.ModeFull {
		t.Errorf("first stock sync mode = %s, want full", first.Mode)
	}
	if st, ok, err := s.state.StockStates().Load(s.shop); !ok || err != nil || st.LastFullAt.IsZero() {
		t.Errorf("stock state in the shared store = %+v, %v, %v", st, ok, err)
	}
	for i := range 3 {
		if next, _ := s.reconcileStock(ctx, workflows.ReconcileStockInput{Shop: s.shop}); next.Mode != stocksync.ModeIncremental {
			t.Errorf("stock sync %d mode = %s (%s), want incremental from the shared watermark", i+2, next.Mode, next.ModeReason)
		}
	}

	ids := []string{workflows.ImportOrdersID(s.shop)}
	for _, n := range numbers {
		ids = append(ids, workflows.ImportOrderID(s.shop, n))
	}
	s.assertNoSecretsLeaked(ctx, ids...)
}
