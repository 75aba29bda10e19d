package e2e

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/ecforce-logiless/connector/activities"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/workflows"
)

// replaceSecretFile rewrites a {file: …} secret the way secret managers do:
// a new file renamed over the old one.
func replaceSecretFile(t *testing.T, path, value string) {
	t.Helper()
	tmp := path + ".new"
	if err := os.WriteFile(tmp, []byte(value+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// The ecforce API token is rotated in the shop and in its {file: …} secret
// while the worker runs: the next runs succeed without a restart. A run in
// between (the shop rotated, the secret not yet) fails once, clearly,
// without a retry loop.
func TestRotatedEcforceTokenInFileSecretNeedsNoRestart(t *testing.T) {
	ctx := testContext(t, 3*time.Minute)
	tokenFile := filepath.Join(t.TempDir(), "ecforce-api-token")
	writeFile(t, tokenFile, "placeholder-until-the-sandbox-runs\n")
	s := newStack(t, stackOptions{shopYAML: func(y string) string {
		return regexp.MustCompile(`auth: password\n\s+login_id: \S+\n\s+password: \{env: E2E_ECFORCE_PASSWORD\}`).
			ReplaceAllString(y, "auth: token\n      api_token: {file: "+tokenFile+"}")
	}})
	ec := s.sb.Ecforce
	// Already a change of the file seen without restart: the worker was
	// built with the placeholder.
	replaceSecretFile(t, tokenFile, ec.APIToken())
	seedImportScenario(t, s)
	if res := s.discover(ctx); len(res.Started) != 4 {
		t.Fatalf("first discovery = %+v; want 4 started", res)
	}

	// Rotated in メンバー管理 only: the run fails with a clear error and
	// sends one refused request, not a loop.
	rotated := ec.RotateAPIToken()
	before := ec.RequestCounts()["GET /api/v2/admin/orders"]
	run := s.start(ctx, client.StartWorkflowOptions{ID: workflows.ImportOrdersID(s.shop) + "-rejected"},
		workflows.ImportOrders, workflows.ImportOrdersInput{Shop: s.shop})
	err := run.Get(ctx, nil)
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != activities.ErrTypeCredentialsRejected {
		t.Fatalf("discovery with the old token = %v; want %s", err, activities.ErrTypeCredentialsRejected)
	}
	if n := ec.RequestCounts()["GET /api/v2/admin/orders"] - before; n > 1 {
		t.Errorf("%d order listings with the refused token; want at most 1", n)
	}

	// The secret file gets the new token: the next runs succeed, same worker.
	replaceSecretFile(t, tokenFile, rotated)
	for i, sku := range []string{"TS-WHT-M", "MUG-BLU"} {
		o, err := ec.SeedOrder(ecforceapi.OrderSeed{ScheduledToBeShippedAt: today(), ShippingCarrierID: 1,
			Items: []ecforceapi.OrderItemSeed{{SKU: sku, Price: 1000 + int64(i), Quantity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		res := s.discover(ctx)
		if len(res.Started) != 1 {
			t.Fatalf("discovery %d after the rotation = %+v; want the new order started", i+1, res)
		}
		var r workflows.ImportOrderResult
		if err := temporalClient.GetWorkflow(ctx, workflows.ImportOrderID(s.shop, o.Number), "").Get(ctx, &r); err != nil || r.Outcome != workflows.OutcomeImported {
			t.Errorf("import of %s after the rotation = %+v, %v; want imported", o.Number, r, err)
		}
	}
	if n := ec.SignInCount(); n != 0 {
		t.Errorf("%d sign-ins in API token mode, want 0", n)
	}
	s.assertNoSecretsLeaked(ctx, workflows.ImportOrdersID(s.shop))
}

// A wrong ecforce API token in the {file: …} secret makes the shop's
// per-order runs wait blocked:EcforceCredentialsRejected (running, details
// naming the shop and the secret) instead of failing; when the file gets
// the right token the worker's file watch wakes them and they complete in
// the same runs, without a restart and with no failed run left.
func TestRefusedTokenBlocksRunsUntilTheSecretFileIsFixed(t *testing.T) {
	ctx := testContext(t, 3*time.Minute)
	tokenFile := filepath.Join(t.TempDir(), "ecforce-api-token")
	writeFile(t, tokenFile, "placeholder-until-the-sandbox-runs\n")
	s := newStack(t, stackOptions{watchFiles: true, shopYAML: func(y string) string {
		return regexp.MustCompile(`auth: password\n\s+login_id: \S+\n\s+password: \{env: E2E_ECFORCE_PASSWORD\}`).
			ReplaceAllString(y, "auth: token\n      api_token: {file: "+tokenFile+"}")
	}})
	ec := s.sb.Ecforce
	seedImportScenario(t, s) // the LOGILESS articles; its orders are not imported here
	// The file holds a token ecforce refuses (the placeholder).
	var orders []ecforceapi.Order
	for i, sku := range []string{"TS-WHT-M", "MUG-BLU"} {
		o, err := ec.SeedOrder(ecforceapi.OrderSeed{ScheduledToBeShippedAt: today(), ShippingCarrierID: 1,
			Items: []ecforceapi.OrderItemSeed{{SKU: sku, Price: 1000 + int64(i), Quantity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		orders = append(orders, o)
		s.start(ctx, client.StartWorkflowOptions{ID: workflows.ImportOrderID(s.shop, o.Number),
			StaticSummary: workflows.RunSummary(workflows.FlowOrderImport, s.shop, o.Number)},
			workflows.ImportOrder, workflows.ImportOrderInput{Shop: s.shop, OrderNumber: o.Number, OrderID: o.ID})
	}
	runIDs := map[string]string{}
	for _, o := range orders {
		id := workflows.ImportOrderID(s.shop, o.Number)
		details := waitBlocked(ctx, t, id, activities.ErrTypeCredentialsRejected)
		for _, want := range []string{"blocked:EcforceCredentialsRejected", "api_token", "starter wake --shop " + s.shop} {
			if !strings.Contains(details, want) {
				t.Errorf("%s: details %q lack %q", id, details, want)
			}
		}
		runIDs[id] = runIDOf(ctx, t, id)
	}
	if got := len(s.sb.Logiless.SalesOrders()); got != 0 {
		t.Fatalf("LOGILESS holds %d sales orders with a refused token, want 0", got)
	}

	// The secret file gets the right token: the same runs complete.
	replaceSecretFile(t, tokenFile, ec.APIToken())
	for _, o := range orders {
		id := workflows.ImportOrderID(s.shop, o.Number)
		var r workflows.ImportOrderResult
		if err := temporalClient.GetWorkflow(ctx, id, "").Get(ctx, &r); err != nil || r.Outcome != workflows.OutcomeImported {
			t.Errorf("%s after the fix = %+v, %v; want imported", id, r, err)
		}
		if got := runIDOf(ctx, t, id); got != runIDs[id] {
			t.Errorf("%s completed in run %s, want the blocked run %s", id, got, runIDs[id])
		}
		if n := failedRunsOf(ctx, t, id); n != 0 {
			t.Errorf("%d failed runs of %s", n, id)
		}
	}
	if got := len(s.sb.Logiless.SalesOrders()); got != 2 {
		t.Errorf("LOGILESS holds %d sales orders after the fix, want 2", got)
	}
	if n := ec.SignInCount(); n != 0 {
		t.Errorf("%d sign-ins in API token mode, want 0", n)
	}
	ids := []string{}
	for id := range runIDs {
		ids = append(ids, id)
	}
	s.assertNoSecretsLeaked(ctx, ids...)
}
