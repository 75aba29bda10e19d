package e2e

import (
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/ecforce-logiless/connector/app"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/httpfake"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
	"github.com/ecforce-logiless/connector/workflows"
)

// An order cancelled in ecforce while its import waits on LOGILESS (here:
// the create takes 4 s, and the read it was built from counts as fresh for
// 1 s) is read again after the create: the import starts the order's
// ChangeOrder run at once, which cancels the new sales order and frees its
// stock, instead of leaving it to the hourly sweep.
func TestOrderCancelledWhileItsImportWaited(t *testing.T) {
	ctx := testContext(t, 2*time.Minute)
	s := newStack(t, stackOptions{configure: func(c *app.Connector) { c.OrderImport.StateFreshFor = time.Second }})
	seedChangeArticle(t, s, 10)
	o := seedChangeOrder(t, s, ecforceapi.OrderSeed{})
	s.sb.Logiless.InjectFault(httpfake.Fault{Method: "POST", PathPrefix: createPath, Delay: 4 * time.Second})
	id := workflows.ImportOrderID(s.shop, o.Number)
	run := s.start(ctx, client.StartWorkflowOptions{ID: id}, workflows.ImportOrder,
		workflows.ImportOrderInput{Shop: s.shop, OrderNumber: o.Number, OrderID: o.ID})
	time.Sleep(2 * time.Second) // the create is on its way
	if _, err := s.sb.Ecforce.CancelOrder(o.ID); err != nil {
		t.Fatal(err)
	}
	var res workflows.ImportOrderResult
	if err := run.Get(ctx, &res); err != nil {
		t.Fatal(err)
	}
	if res.Outcome != workflows.OutcomeImported || res.CancelStarted != workflows.OrderChangeID(s.shop, o.Number) {
		t.Fatalf("import = %+v; want imported and the change run started", res)
	}
	change := changeResult(ctx, t, s.shop, o.Number)
	so, _ := s.sb.Logiless.SalesOrder(o.Number)
	if change.Outcome != workflows.OutcomeCancelledInLogiless || so.DocumentStatus != logilessapi.StatusCancel || so.ReversalRequests != 1 {
		t.Fatalf("change run = %+v, LOGILESS %s with %d reversals; want cancelled once", change, so.DocumentStatus, so.ReversalRequests)
	}
	if free := freeStock(t, s); free != 10 {
		t.Errorf("free stock %d, want 10", free)
	}
	if got, _ := s.sb.Ecforce.Order(o.ID); got.State != "canceled" {
		t.Errorf("ecforce state %q, want canceled", got.State)
	}
	replayAndStoreFiles(ctx, t, map[string]string{"importorder-canceled-while-importing.canceled-while-importing.json": id})
}
