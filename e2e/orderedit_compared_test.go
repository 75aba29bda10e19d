package e2e

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"

	"github.com/ecforce-logiless/connector/orderedit"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/workflows"
)

// Issue 13 §2 without imported_state: an imported order stays in the
// import states, and every update of it is looked up in LOGILESS with the
// others (100 codes a search). That search's answer is compared with what
// the order builds now, so a staff memo starts no EditOrder run, and an
// address edit starts one that sends one PUT.
func TestOrderUpdateComparedInTheListing(t *testing.T) {
	ctx := testContext(t, 2*time.Minute)
	s := newStack(t, stackOptions{})
	seedDiscoveryArticle(t, s, 10)
	memo, edited := seedDiscoveryOrder(t, s, 1, "complete", time.Minute), seedDiscoveryOrder(t, s, 2, "complete", time.Minute)
	l := startLoop(ctx, t, s, workflows.FlowOrderImport)
	waitImported(ctx, t, s, memo.Number)
	waitImported(ctx, t, s, edited.Number)
	time.Sleep(orderedit.WriteSettles + 1100*time.Millisecond) // the edits come later than the imports' second
	s.editOrder(t, memo.ID, func(e *ecforceapi.Order) { e.Memo01 = "同梱チラシあり" })
	const newAddr = "大阪府大阪市北区梅田1-1-1"
	s.editOrder(t, edited.ID, func(e *ecforceapi.Order) { e.ShippingAddress.Addr01 = newAddr })
	l.now(ctx, t, workflows.DiscoverNow{})
	s.waitForEditedRecipient(ctx, t, edited.Number, newAddr)
	l.now(ctx, t, workflows.DiscoverNow{}) // and once more near the watermark
	_, err := temporalClient.DescribeWorkflowExecution(ctx, workflows.EditOrderID(s.shop, memo.Number), "")
	var notFound *serviceerror.NotFound
	if !errors.As(err, &notFound) {
		t.Errorf("%s: an EditOrder run exists (%v) for an order whose memo alone changed", memo.Number, err)
	}
	if so := s.salesOrder(t, memo.Number); so.Updates != 0 {
		t.Errorf("%s: %d updates, want 0", memo.Number, so.Updates)
	}
	replayAndStoreFiles(ctx, t, map[string]string{"discoverorders-edits-compared.edits-compared.json": l.id})
	t.Cleanup(func() {
		_ = temporalClient.TerminateWorkflow(context.Background(), workflows.EditOrderID(s.shop, edited.Number), "", "test over")
	})
}
