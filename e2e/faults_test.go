package e2e

import (
	"errors"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"

	"github.com/ecforce-logiless/connector/activities"
	"github.com/ecforce-logiless/connector/sandbox/httpfake"
	"github.com/ecforce-logiless/connector/workflows"
)

const createPath = "/api/v1/merchant/1022/sales_orders/new"

// A create that LOGILESS applied but answered with a 500 is found by the
// retry's search: the order exists once.
func TestOrderImportCreateAppliedThen500IsNotDuplicated(t *testing.T) {
	ctx := testContext(t, 2*time.Minute)
	s := newStack(t, stackOptions{})
	o := seedImportScenario(t, s)
	s.sb.Logiless.InjectFault(httpfake.Fault{Method: "POST", PathPrefix: createPath, Status: 500, AfterApply: true, Times: 1})
	s.sb.Logiless.InjectFault(httpfake.Fault{Method: "POST", PathPrefix: "/api/v1/merchant/1022/sales_orders/search", Status: 429,
		Headers: map[string]string{"Retry-After": "1"}, Times: 1})

	res := s.discover(ctx)
	if len(res.Started) != 4 {
		t.Fatalf("discovery = %+v", res)
	}
	if got := len(s.sb.Logiless.SalesOrders()); got != 3 {
		t.Errorf("LOGILESS holds %d sales orders, want 3 (no duplicate after the 500)", got)
	}
	for _, n := range []string{o.multiLine.Number, o.set.Number, o.undated.Number} {
		var r workflows.ImportOrderResult
		if err := temporalClient.GetWorkflow(ctx, workflows.ImportOrderID(s.shop, n), "").Get(ctx, &r); err != nil {
			t.Errorf("import of %s: %v", n, err)
		}
	}
	if n := s.sb.Logiless.RequestCounts()["POST /api/v1/merchant/{id}/sales_orders/new"]; n != 3 {
		t.Errorf("%d creates sent, want 3: the retry must search, not create again", n)
	}
}

// An expired LOGILESS access token is refreshed once and the import goes
// on; rotated refresh tokens are stored.
func TestOrderImportRefreshesAnExpiredLogilessToken(t *testing.T) {
	ctx := testContext(t, 2*time.Minute)
	s := newStack(t, stackOptions{})
	seedImportScenario(t, s)
	s.sb.Logiless.ExpireAccessTokens()
	res := s.discover(ctx)
	if len(res.Started) != 4 || len(s.sb.Logiless.SalesOrders()) != 3 {
		t.Fatalf("discovery = %+v, LOGILESS orders %d; want 4 started and 3 created", res, len(s.sb.Logiless.SalesOrders()))
	}
	if _, refreshed := s.sb.Logiless.TokenCounts(); refreshed != 1 {
		t.Errorf("%d refreshes, want exactly 1", refreshed)
	}
	s.assertNoSecretsLeaked(ctx, workflows.ImportOrdersID(s.shop))
}

// Rejected ecforce credentials fail the discovery at once with an error
// that says what to fix, and never loop on sign-in.
func TestOrderImportRejectedCredentialsFailClearly(t *testing.T) {
	ctx := testContext(t, 2*time.Minute)
	s := newStack(t, stackOptions{shopYAML: func(y string) string {
		return strings.Replace(y, "login_id: "+testEcforceAdminEmail, "login_id: someone-else@e2e.example", 1)
	}})
	seedImportScenario(t, s)
	run := s.start(ctx, client.StartWorkflowOptions{ID: workflows.ImportOrdersID(s.shop)}, workflows.ImportOrders, workflows.ImportOrdersInput{Shop: s.shop})
	err := run.Get(ctx, nil)
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != activities.ErrTypeCredentialsRejected {
		t.Fatalf("discovery error = %v; want %s", err, activities.ErrTypeCredentialsRejected)
	}
	if !strings.Contains(err.Error(), s.shop) {
		t.Errorf("error %q does not name the shop", err)
	}
	if n := s.sb.Ecforce.RequestCounts()["POST /api/v2/admins/sign_in"]; n != 1 {
		t.Errorf("%d sign-in attempts, want 1 (sign-in is limited to about 5 per hour)", n)
	}
	s.assertNoSecretsLeaked(ctx, workflows.ImportOrdersID(s.shop))
}

// A worker killed in the middle of a create: another worker finishes the
// import and the order exists once.
func TestOrderImportSurvivesAWorkerKilledMidRun(t *testing.T) {
	ctx := testContext(t, 3*time.Minute)
	s := newStack(t, stackOptions{})
	o := seedImportScenario(t, s)
	s.stopWorker()
	// The first create hangs until the worker is gone; the case of a create
	// applied whose answer is lost is TestOrderImportCreateAppliedThen500IsNotDuplicated.
	s.sb.Logiless.InjectFault(httpfake.Fault{Method: "POST", PathPrefix: createPath, Delay: 4 * time.Second, Times: 1})

	id := workflows.ImportOrderID(s.shop, o.multiLine.Number)
	run := s.start(ctx, client.StartWorkflowOptions{ID: id}, workflows.ImportOrder,
		workflows.ImportOrderInput{Shop: s.shop, OrderNumber: o.multiLine.Number, OrderID: o.multiLine.ID})

	doomed := worker.New(temporalClient, s.taskQueue, worker.Options{})
	s.conn.Register(doomed)
	if err := doomed.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for s.sb.Logiless.RequestCounts()["POST /api/v1/merchant/{id}/sales_orders/new"] == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	doomed.Stop() // the activity is cut off mid-request

	s.startWorker()
	var res workflows.ImportOrderResult
	if err := run.Get(ctx, &res); err != nil {
		t.Fatalf("import after the worker was killed: %v", err)
	}
	if got := len(s.sb.Logiless.SalesOrders()); got != 1 {
		t.Errorf("LOGILESS holds %d sales orders, want 1", got)
	}
	if res.SalesOrderCode != o.multiLine.Number {
		t.Errorf("result = %+v", res)
	}
}
