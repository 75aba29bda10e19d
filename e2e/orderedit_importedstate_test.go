package e2e

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"

	"github.com/ecforce-logiless/connector/orderedit"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/workflows"
)

// ownWritesHistorySuffix marks the histories recorded with
// workflows.OwnWritesChangeID.
const ownWritesHistorySuffix = ".own-writes.json"

// Issue 13 §2 for a shop with order_import.imported_state: an imported
// order leaves the import states, and the discovery loop still follows
// its edits. The import's own write of the state costs no call and starts
// no EditOrder run; an address edit afterwards reaches LOGILESS once,
// without starter edit-order.
func TestOrderEditInTheImportedStateFollowedByTheLoop(t *testing.T) {
	ctx := testContext(t, 3*time.Minute)
	s := newStack(t, stackOptions{shopYAML: func(y string) string {
		return strings.Replace(y, `imported_state: ""`, `imported_state: "linked"`, 1)
	}})
	if err := s.sb.Ecforce.AddOrderState("linked", "連携済"); err != nil {
		t.Fatal(err)
	}
	seedDiscoveryArticle(t, s, 10)
	orders := []ecforceapi.Order{seedDiscoveryOrder(t, s, 1, "complete", time.Minute), seedDiscoveryOrder(t, s, 2, "complete", time.Minute),
		seedDiscoveryOrder(t, s, 3, "complete", time.Minute)}
	l := startLoop(ctx, t, s, workflows.FlowOrderImport)
	linked := func() bool {
		for _, o := range orders {
			if got, _ := s.sb.Ecforce.Order(o.ID); got.State != "linked" {
				return false
			}
		}
		return true
	}
	for !linked() {
		select {
		case <-ctx.Done():
			t.Fatal("the imports never set 対応状況 linked")
		case <-time.After(100 * time.Millisecond):
		}
	}
	resetCalls(s)
	// The discoveries that list the three writes leave them out, and ask
	// LOGILESS nothing.
	st := l.now(ctx, t, workflows.DiscoverNow{})
	for st.OwnWritesLeftOut < len(orders) {
		time.Sleep(500 * time.Millisecond)
		st = l.now(ctx, t, workflows.DiscoverNow{})
	}
	if st.OwnWritesLeftOut != len(orders) {
		t.Errorf("the loop left out %d orders as changed by the imports' own writes only, want %d", st.OwnWritesLeftOut, len(orders))
	}
	if _, ll := apiCalls(s); ll != 0 {
		t.Errorf("%d LOGILESS calls for the imports' own writes, want 0: %v", ll, s.sb.Logiless.RequestCounts())
	}
	for _, o := range orders {
		_, err := temporalClient.DescribeWorkflowExecution(ctx, workflows.EditOrderID(s.shop, o.Number), "")
		var notFound *serviceerror.NotFound
		if !errors.As(err, &notFound) {
			t.Errorf("%s: an EditOrder run exists (%v) for an order changed only by its import", o.Number, err)
		}
	}

	time.Sleep(orderedit.WriteSettles + 1100*time.Millisecond) // the edit comes later than the import's second
	const newAddr = "大阪府大阪市北区梅田1-1-1"
	edited := orders[1]
	s.editOrder(t, edited.ID, func(e *ecforceapi.Order) { e.ShippingAddress.Addr01 = newAddr })
	resetCalls(s)
	l.now(ctx, t, workflows.DiscoverNow{})
	s.waitForEditedRecipient(ctx, t, edited.Number, newAddr)
	// One more discovery lists near its watermark again what the last
	// ones saw: the unedited orders still start nothing.
	l.now(ctx, t, workflows.DiscoverNow{})
	for _, o := range []ecforceapi.Order{orders[0], orders[2]} {
		if so := s.salesOrder(t, o.Number); so.Updates != 0 {
			t.Errorf("%s: %d updates of an order nobody edited", o.Number, so.Updates)
		}
		_, err := temporalClient.DescribeWorkflowExecution(ctx, workflows.EditOrderID(s.shop, o.Number), "")
		var notFound *serviceerror.NotFound
		if !errors.As(err, &notFound) {
			t.Errorf("%s: an EditOrder run exists (%v) for an order nobody edited", o.Number, err)
		}
	}
	if got, _ := s.sb.Ecforce.Order(edited.ID); got.State != "linked" {
		t.Errorf("the edited order's 対応状況 is %q, want linked", got.State)
	}
	replayAndStoreFiles(ctx, t, map[string]string{
		"discoverorders-imported-state-edit" + ownWritesHistorySuffix: l.id,
		"importorder-own-write" + ownWritesHistorySuffix:              workflows.ImportOrderID(s.shop, orders[0].Number),
	})
	t.Cleanup(func() {
		_ = temporalClient.TerminateWorkflow(context.Background(), workflows.EditOrderID(s.shop, edited.Number), "", "test over")
	})
}
