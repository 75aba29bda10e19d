package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	sdkpb "go.temporal.io/api/sdk/v1"

	"github.com/ecforce-logiless/connector/app"
	"github.com/ecforce-logiless/connector/orderedit"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
	"github.com/ecforce-logiless/connector/workflows"
)

// editOrder edits an ecforce order the way the shop's staff would.
func (s *stack) editOrder(t *testing.T, id int64, edit func(*ecforceapi.Order)) {
	t.Helper()
	if _, err := s.sb.Ecforce.EditOrder(id, edit); err != nil {
		t.Fatal(err)
	}
}

// wakeEdit starts or wakes the order's EditOrder run and waits until its
// outcome is want, returning its current details.
func (s *stack) wakeEdit(ctx context.Context, t *testing.T, number, want string) string {
	t.Helper()
	id := workflows.EditOrderID(s.shop, number)
	if _, err := app.StartOrderEdit(ctx, temporalClient, s.taskQueue, s.shop, number, 0, "e2e"); err != nil {
		t.Fatal(err)
	}
	var got, details string
	for ctx.Err() == nil {
		got = outcomeOf(ctx, t, id)
		details = currentDetailsOf(ctx, t, id)
		if got == want {
			return details
		}
		time.Sleep(150 * time.Millisecond)
	}
	t.Fatalf("%s: outcome %q (details %q), want %q", id, got, details, want)
	return ""
}

// currentDetailsOf is the current details of a workflow's latest run.
func currentDetailsOf(ctx context.Context, t *testing.T, workflowID string) string {
	t.Helper()
	v, err := temporalClient.QueryWorkflow(ctx, workflowID, "", "__temporal_workflow_metadata")
	if err != nil {
		return ""
	}
	var md sdkpb.WorkflowMetadata
	if err := v.Get(&md); err != nil {
		t.Fatal(err)
	}
	return md.GetCurrentDetails()
}

func (s *stack) salesOrder(t *testing.T, code string) logilessapi.SalesOrder {
	t.Helper()
	so, ok := s.sb.Logiless.SalesOrder(code)
	if !ok {
		t.Fatalf("LOGILESS has no sales order %s", code)
	}
	return so
}

func lineStatus(so logilessapi.SalesOrder, article string) string {
	for _, l := range so.Lines {
		if l.ArticleCode == article && !l.IsChild {
			return l.Status
		}
	}
	return ""
}

// Issue 13 §2: edits of imported orders reach LOGILESS before the
// warehouse starts, once each; what the connector must not or cannot
// change waits as blocked:EditNeedsOperator naming the fields.
func TestOrderEditsEndToEnd(t *testing.T) {
	ctx := testContext(t, 4*time.Minute)
	s := newStack(t, stackOptions{})
	o := seedImportScenario(t, s)
	multi, set, undated := o.multiLine.Number, o.set.Number, o.undated.Number
	for _, n := range []string{multi, set, undated} {
		// One import each (the scenario's discovery would also meet its
		// unmapped order, which now waits blocked).
		if _, err := s.importOne(ctx, workflows.ImportOrderInput{Shop: s.shop, OrderNumber: n, IgnoreFilters: true}); err != nil {
			t.Fatalf("import %s: %v", n, err)
		}
		s.salesOrder(t, n)
	}
	const newAddr = "大阪府大阪市北区梅田1-1-1"

	t.Run("address and delivery date edited before work: updated once", func(t *testing.T) {
		s.editOrder(t, o.multiLine.ID, func(e *ecforceapi.Order) {
			e.ShippingAddress.Addr01 = newAddr
			e.ScheduledToBeDeliveredAt = today().AddDate(0, 0, 4)
			e.ScheduledDeliveryTime = "14時〜16時"
		})
		s.wakeEdit(ctx, t, multi, workflows.OutcomeEdited)
		so := s.salesOrder(t, multi)
		if so.Recipient.Address1 != newAddr || so.DeliveryPreferredDate != today().AddDate(0, 0, 4).Format("2006-01-02") ||
			so.DeliveryPreferredTimeZone != "14時〜16時" || so.Updates != 1 {
			t.Fatalf("LOGILESS after the edit: date %q time %q, %d updates; want the new address, date and time, 1 update",
				so.DeliveryPreferredDate, so.DeliveryPreferredTimeZone, so.Updates)
		}
		// Another look (a second wake) finds nothing to send.
		s.wakeEdit(ctx, t, multi, workflows.OutcomeUpToDate)
		if so := s.salesOrder(t, multi); so.Updates != 1 {
			t.Errorf("after a second wake: %d updates, want still 1", so.Updates)
		}
	})

	t.Run("a line removed: line reversal; a line added: blocked", func(t *testing.T) {
		freeBefore, _ := s.sb.Logiless.FreeStock("MUG-BLU")
		s.editOrder(t, o.multiLine.ID, func(e *ecforceapi.Order) {
			e.Items = slices.DeleteFunc(e.Items, func(it ecforceapi.OrderItem) bool { return it.VariantSKU == "MUG-BLU" })
		})
		s.wakeEdit(ctx, t, multi, workflows.OutcomeEdited)
		so := s.salesOrder(t, multi)
		if lineStatus(so, "MUG-BLU") != logilessapi.StatusCancel || lineStatus(so, "TS-WHT-M") == logilessapi.StatusCancel ||
			so.DocumentStatus == logilessapi.StatusCancel {
			t.Fatalf("after removing MUG-BLU: MUG-BLU %s, TS-WHT-M %s, order %s", lineStatus(so, "MUG-BLU"), lineStatus(so, "TS-WHT-M"), so.DocumentStatus)
		}
		if free, _ := s.sb.Logiless.FreeStock("MUG-BLU"); free != freeBefore+1 {
			t.Errorf("MUG-BLU free %d after the reversal, want %d", free, freeBefore+1)
		}
		s.editOrder(t, o.multiLine.ID, func(e *ecforceapi.Order) {
			e.Items = append(e.Items, ecforceapi.OrderItem{ID: 99001, VariantSKU: "SOAP-CIT", ProductName: "石鹸 シトラス", Price: 880, Quantity: 1, TaxRate: 10})
		})
		details := s.wakeEdit(ctx, t, multi, workflows.OutcomeBlockedPrefix+"EditNeedsOperator")
		if !strings.Contains(details, "line SOAP-CIT") {
			t.Errorf("blocked details %q do not name the added line", details)
		}
		if so := s.salesOrder(t, multi); len(so.Lines) != 2 {
			t.Errorf("LOGILESS has %d lines, want the 2 it had (nothing added)", len(so.Lines))
		}
	})

	t.Run("edited after the warehouse started: blocked naming the fields", func(t *testing.T) {
		if err := s.sb.Logiless.MarkDeliveryWorking(set); err != nil {
			t.Fatal(err)
		}
		s.editOrder(t, o.set.ID, func(e *ecforceapi.Order) { e.ShippingAddress.Addr01 = newAddr })
		details := s.wakeEdit(ctx, t, set, workflows.OutcomeBlockedPrefix+"EditNeedsOperator")
		if !strings.Contains(details, "recipient_address1") || !strings.Contains(details, "出荷作業中") {
			t.Errorf("blocked details %q do not name recipient_address1 and the work", details)
		}
		if so := s.salesOrder(t, set); so.Recipient.Address1 == newAddr || so.Updates != 0 {
			t.Errorf("LOGILESS was changed in work (%d updates)", so.Updates)
		}
	})

	t.Run("changed in LOGILESS after the import: never overwritten", func(t *testing.T) {
		time.Sleep(orderedit.WriteSettles + 1100*time.Millisecond) // LOGILESS times have seconds
		if _, err := s.sb.Logiless.EditInLogiless(undated, map[string]any{"recipient_address2": "LOGILESS側で修正"}); err != nil {
			t.Fatal(err)
		}
		s.editOrder(t, o.undated.ID, func(e *ecforceapi.Order) {
			e.ShippingAddress.Addr01 = newAddr
			e.Remark = "不在時は宅配ボックスへ"
		})
		details := s.wakeEdit(ctx, t, undated, workflows.OutcomeBlockedPrefix+"EditNeedsOperator")
		for _, want := range []string{"recipient_address1", "buyer_comment", "changed in LOGILESS"} {
			if !strings.Contains(details, want) {
				t.Errorf("blocked details %q do not mention %q", details, want)
			}
		}
		if so := s.salesOrder(t, undated); so.Recipient.Address1 == newAddr || so.Recipient.Address2 != "LOGILESS側で修正" || so.Updates != 0 {
			t.Errorf("the LOGILESS change was overwritten (%d updates)", so.Updates)
		}
	})
	ids := []string{workflows.EditOrderID(s.shop, multi), workflows.EditOrderID(s.shop, set), workflows.EditOrderID(s.shop, undated)}
	s.assertNoSecretsLeaked(ctx, ids...)
	replayAndStoreFiles(ctx, t, map[string]string{"editorder-passes" + editsHistorySuffix: ids[0], "editorder-changed-in-logiless" + editsHistorySuffix: ids[2]})
}

// waitForEditedRecipient waits until LOGILESS holds address1 as the
// recipient's address of the order, and checks that one PUT brought it.
func (s *stack) waitForEditedRecipient(ctx context.Context, t *testing.T, number, address1 string) {
	t.Helper()
	for s.salesOrder(t, number).Recipient.Address1 != address1 {
		select {
		case <-ctx.Done():
			t.Fatalf("the edit never reached LOGILESS (outcome %q)", outcomeOf(context.Background(), t, workflows.EditOrderID(s.shop, number)))
		case <-time.After(100 * time.Millisecond):
		}
	}
	if so := s.salesOrder(t, number); so.Updates != 1 {
		t.Errorf("%s: %d updates, want 1", number, so.Updates)
	}
}

// editsHistorySuffix marks the histories recorded with EditOrder and the
// re-sent tracking numbers (no change ID: a new workflow, and an ID that
// changes only with data older code never produced).
const editsHistorySuffix = ".order-edits.json"

// replayAndStoreFiles replays the histories of the workflows (file → ID)
// with today's code and stores them under workflows/testdata with
// UPDATE_REPLAY_HISTORIES=1. A run still waiting replays up to its wait.
func replayAndStoreFiles(ctx context.Context, t *testing.T, files map[string]string) {
	t.Helper()
	for file, id := range files {
		h := fetchHistory(ctx, t, id)
		if err := replayOne(h); err != nil {
			t.Errorf("replay %s: %v", id, err)
		}
		storeReplayHistoryFile(t, file, h)
	}
}

// The order discovery loop sees an imported order updated in ecforce and
// wakes its EditOrder run: the new address reaches LOGILESS without
// starter edit-order.
func TestOrderEditFoundByTheDiscoveryLoop(t *testing.T) {
	ctx := testContext(t, 2*time.Minute)
	s := newStack(t, stackOptions{})
	seedDiscoveryArticle(t, s, 10)
	o := seedDiscoveryOrder(t, s, 1, "complete", time.Minute)
	l := startLoop(ctx, t, s, workflows.FlowOrderImport)
	waitImported(ctx, t, s, o.Number)
	time.Sleep(orderedit.WriteSettles + 1100*time.Millisecond) // the edit comes later than the import's second
	const newAddr = "大阪府大阪市北区梅田1-1-1"
	s.editOrder(t, o.ID, func(e *ecforceapi.Order) { e.ShippingAddress.Addr01 = newAddr })
	l.now(ctx, t, workflows.DiscoverNow{})
	s.waitForEditedRecipient(ctx, t, o.Number, newAddr)
	replayAndStoreFiles(ctx, t, map[string]string{"discoverorders-edit" + editsHistorySuffix: l.id})
	t.Cleanup(func() {
		_ = temporalClient.TerminateWorkflow(context.Background(), workflows.EditOrderID(s.shop, o.Number), "", "test over")
	})
}
