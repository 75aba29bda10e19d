package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/internal/pgtest"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/httpfake"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
	"github.com/ecforce-logiless/connector/workflows"
)

// strictRate is the sandbox's rate limit in the shared-budget test:
// LOGILESS's 1 request/s with burst 1, as strict as the references allow,
// on both APIs, and the shops' own requests_per_second.
const strictRate = 1

// Three workers with their own state directories and one PostgreSQL store,
// against both APIs limited to 1 request/s with a burst of 1, import a
// batch of orders: together they meet no 429 of their own making, use at
// least 90% of each budget while they have requests to send, import every
// order once, spend no refresh token twice and ask nobody to authorize
// again.
func TestThreeWorkersShareOneRequestBudget(t *testing.T) {
	url := pgtest.URL(t)
	ctx := testContext(t, 4*time.Minute)
	s := newStack(t, stackOptions{stateURL: url, extraWorkers: 2, shopYAML: func(y string) string {
		return strings.ReplaceAll(y, "requests_per_second: 50", fmt.Sprintf("requests_per_second: %d", strictRate))
	}})
	ll, ec := s.sb.Logiless, s.sb.Ecforce
	if _, err := ll.SeedArticle(logilessapi.Article{Code: "TS-WHT-M", Name: "TS-WHT-M"}); err != nil {
		t.Fatal(err)
	}
	if err := ll.SetFreeStock("TS-WHT-M", 1000); err != nil {
		t.Fatal(err)
	}
	const orders = 12
	var numbers []string
	for range orders {
		o, err := ec.SeedOrder(ecforceapi.OrderSeed{ScheduledToBeShippedAt: today(), ShippingCarrierID: 1,
			Items: []ecforceapi.OrderItemSeed{{SKU: "TS-WHT-M", Price: 1000, Quantity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		numbers = append(numbers, o.Number)
	}
	for _, api := range []interface {
		SetRateLimit(httpfake.RateLimit)
		ResetRequestCounts()
	}{ll, ec} {
		api.SetRateLimit(httpfake.RateLimit{RPS: strictRate, Burst: 1})
		api.ResetRequestCounts()
	}
	// Every worker's first LOGILESS call refreshes or adopts the refreshed
	// token, through the same budget.
	ll.ExpireAccessTokens()

	start := time.Now()
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
	took := time.Since(start)
	count := map[string]int{}
	for _, so := range ll.SalesOrders() {
		count[so.Code]++
	}
	for _, n := range numbers {
		if count[n] != 1 {
			t.Errorf("order %s is %d times in LOGILESS, want once", n, count[n])
		}
	}
	for name, b := range map[string]httpfake.BudgetStats{"LOGILESS": ll.Budget(), "ecforce": ec.Budget()} {
		t.Logf("%s: %d requests in %s: %.3f/s of %d/s while busy (%d gaps), %d refused for the rate",
			name, b.Admitted, took.Round(time.Second), b.BusyRate, strictRate, b.BusyGaps, b.Refused)
		if b.Refused != 0 {
			t.Errorf("%s refused %d requests of the three workers for the rate limit, want 0", name, b.Refused)
		}
		if b.BusyRate < 0.9*strictRate {
			t.Errorf("the three workers used %.3f %s requests/s of %d while they had requests to send, want at least 90%%", b.BusyRate, name, strictRate)
		}
	}
	if n := ll.RefreshTokenReuses(); n != 0 {
		t.Errorf("%d refresh-token reuses, want 0", n)
	}
	logs := s.logs.String()
	if strings.Contains(logs, "LogilessReauthorizationNeeded") || strings.Contains(logs, "authorization must be renewed") {
		t.Error("a worker asked for a LOGILESS reauthorization")
	}
}
