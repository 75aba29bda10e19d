package activities

import (
	"strings"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/config"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
)

func importedStateShop(s *config.Shop) {
	changesShop(s)
	s.OrderImport.ImportedState = "linked"
}

// updatedOrder is the updated order of res with this number.
func updatedOrder(res ListOrderChangesResult, number string) (UpdatedOrder, bool) {
	for _, u := range res.Updated {
		if u.OrderNumber == number {
			return u, true
		}
	}
	return UpdatedOrder{}, false
}

// TestOwnWriteIsTellableFromAnEdit: an order the import marked with
// order_import.imported_state is listed as Imported and builds the sales
// order its import sent (the fingerprint the loop compares); an edit made
// after the write builds another.
func TestOwnWriteIsTellableFromAnEdit(t *testing.T) {
	f := newImportFixture(t, []ecforceapi.OrderSeed{importSeed(1, "A", nil), importSeed(2, "A", nil)}, importedStateShop)
	first := f.listChanges(t, nil, time.Now(), nil)
	if got := candidateNumbers(first.ListImportCandidatesResult); len(got) != 2 {
		t.Fatalf("candidates = %v, want both orders", got)
	}
	time.Sleep(1100 * time.Millisecond) // a later second of ecforce's clock
	sent := map[string]string{}
	for _, c := range first.Candidates {
		created, err := runActivity[CreateSalesOrderResult](t, activityEnv(f.a), f.a.CreateSalesOrder,
			CreateSalesOrderInput{Shop: "demo", OrderNumber: c.OrderNumber, OrderID: c.OrderID, CodeLookup: c.CodeLookup})
		if err != nil {
			t.Fatal(err)
		}
		if !created.Created || created.Sent == "" {
			t.Fatalf("%s: created %t, Sent %q: want a fingerprint of what was created", c.OrderNumber, created.Created, created.Sent)
		}
		sent[c.OrderNumber] = created.Sent
		if _, err := runActivity[MarkOrderImportedResult](t, activityEnv(f.a), f.a.MarkOrderImported, MarkOrderImportedInput{
			Shop: "demo", OrderID: c.OrderID, OrderNumber: c.OrderNumber, State: "linked", StateWhenRead: created.OrderState,
		}); err != nil {
			t.Fatal(err)
		}
	}
	// The customer changes the recipient of EC00000002 after the write.
	if _, err := f.ec.EditOrder(f.ids["EC00000002"], func(o *ecforceapi.Order) { o.ShippingAddress.Addr01 = "大阪府大阪市北区1-1" }); err != nil {
		t.Fatal(err)
	}
	f.resetCounts()
	next := f.listChanges(t, &first, time.Now(), nil)
	if ll := f.llCalls(llSearch); ll != 0 {
		t.Errorf("%d LOGILESS searches for orders in the imported state, want 0 (they are not import candidates)", ll)
	}
	own, ok := updatedOrder(next, "EC00000001")
	if !ok || !own.Imported || own.InLogiless || own.Built != sent["EC00000001"] {
		t.Errorf("EC00000001 (only the import's write): %+v (found %t), want Imported with Built %q", own, ok, sent["EC00000001"])
	}
	edited, ok := updatedOrder(next, "EC00000002")
	if !ok || !edited.Imported || edited.Built == "" || edited.Built == sent["EC00000002"] {
		t.Errorf("EC00000002 (edited): %+v (found %t), want Imported with another Built than %q", edited, ok, sent["EC00000002"])
	}
	for _, v := range []string{own.Built, edited.Built} {
		if strings.Contains(v, "大阪") {
			t.Errorf("Built %q shows the address", v)
		}
	}
}

// TestImportedStateNeverOverwritesACancellationSeenByAListing: an order
// cancelled while its import waited (the import built it from an earlier
// listing) is not marked imported once a later listing has seen the
// cancellation, and the order the import would create is the cancelled one.
func TestImportedStateNeverOverwritesACancellationSeenByAListing(t *testing.T) {
	f := newImportFixture(t, []ecforceapi.OrderSeed{importSeed(1, "A", nil)}, importedStateShop)
	first := f.listChanges(t, nil, time.Now(), nil)
	if len(first.Candidates) != 1 {
		t.Fatalf("candidates = %v", candidateNumbers(first.ListImportCandidatesResult))
	}
	c := first.Candidates[0]
	time.Sleep(1100 * time.Millisecond)
	if _, err := f.ec.CancelOrder(c.OrderID); err != nil {
		t.Fatal(err)
	}
	next := f.listChanges(t, &first, time.Now(), nil)
	if u, ok := updatedOrder(next, c.OrderNumber); !ok || u.State != "canceled" || u.Imported {
		t.Fatalf("updated = %+v, want %s cancelled and not Imported", next.Updated, c.OrderNumber)
	}
	f.resetCounts()
	// The import read the order before the cancellation.
	res, err := runActivity[MarkOrderImportedResult](t, activityEnv(f.a), f.a.MarkOrderImported, MarkOrderImportedInput{
		Shop: "demo", OrderID: c.OrderID, OrderNumber: c.OrderNumber, State: "linked", StateWhenRead: "complete", ReadAt: time.Now().Add(-time.Second),
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed || !strings.Contains(res.SkippedBecause, "canceled") || f.ecCalls(ecPutOrder) != 0 {
		t.Errorf("result %+v with %d writes, want the cancellation left alone and no write", res, f.ecCalls(ecPutOrder))
	}
	if o, _ := f.ec.Order(c.OrderID); o.State != "canceled" {
		t.Errorf("ecforce has state %q, want canceled", o.State)
	}
	if _, err := runActivity[CreateSalesOrderResult](t, activityEnv(f.a), f.a.CreateSalesOrder,
		CreateSalesOrderInput{Shop: "demo", OrderNumber: c.OrderNumber, OrderID: c.OrderID, CodeLookup: c.CodeLookup}); err == nil {
		t.Error("CreateSalesOrder created the order cancelled since its listing")
	}
	if len(f.ll.SalesOrders()) != 0 {
		t.Errorf("LOGILESS holds %d sales orders, want none", len(f.ll.SalesOrders()))
	}
}

// An import whose read of the order is older than StateFreshFor (it
// waited for the LOGILESS budget) reads the state again before it writes
// the imported state, so a cancellation made meanwhile is kept, even with
// no listing on this worker; concurrent reads of the shop go out as one
// bulk read. A fresh read is trusted: no read.
func TestImportedStateReadAgainAfterAWait(t *testing.T) {
	tests := []struct {
		name      string
		age       time.Duration
		wantReads int
		wantState string
	}{
		{"read 5 s ago: trusted", 5 * time.Second, 0, "linked"},
		{"read 2 min ago: read again", 2 * time.Minute, 1, "canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seeds := []ecforceapi.OrderSeed{importSeed(1, "A", nil), importSeed(2, "A", nil), importSeed(3, "A", nil)}
			f := newImportFixture(t, seeds, importedStateShop)
			f.a.Batches = &EcforceBatches{Window: 50 * time.Millisecond, MaxWait: time.Second}
			for _, o := range seeds {
				if _, err := f.ec.CancelOrder(f.ids[o.Number]); err != nil {
					t.Fatal(err)
				}
			}
			f.resetCounts()
			errs := make(chan error, len(seeds))
			for _, o := range seeds {
				go func() {
					_, err := runActivity[MarkOrderImportedResult](t, activityEnv(f.a), f.a.MarkOrderImported, MarkOrderImportedInput{
						Shop: "demo", OrderID: f.ids[o.Number], OrderNumber: o.Number, State: "linked", StateWhenRead: "complete",
						ReadAt: time.Now().Add(-tt.age),
					})
					errs <- err
				}()
			}
			for range seeds {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
			if reads := f.ecCalls(ecGetOrder) + f.ecCalls(ecListOrders); reads != tt.wantReads {
				t.Errorf("%d reads for %d imports, want %d", reads, len(seeds), tt.wantReads)
			}
			for _, o := range seeds {
				if got, _ := f.ec.Order(f.ids[o.Number]); got.State != tt.wantState {
					t.Errorf("%s: ecforce has state %q, want %q", o.Number, got.State, tt.wantState)
				}
			}
		})
	}
}

// An imported order still in an import state (no imported_state) that is
// updated is compared with LOGILESS's copy from the listing's own code
// search: one nobody edited in a way the import sends (a staff memo) is
// Unedited, an edited one is not, and neither costs a call beyond that
// search.
func TestUpdatedOrdersComparedWithLogiless(t *testing.T) {
	f := newImportFixture(t, []ecforceapi.OrderSeed{importSeed(1, "A", nil), importSeed(2, "A", nil)}, changesShop)
	first := f.listChanges(t, nil, time.Now(), nil)
	for _, c := range first.Candidates {
		if _, err := runActivity[CreateSalesOrderResult](t, activityEnv(f.a), f.a.CreateSalesOrder,
			CreateSalesOrderInput{Shop: "demo", OrderNumber: c.OrderNumber, OrderID: c.OrderID, CodeLookup: c.CodeLookup}); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(1100 * time.Millisecond) // a later second of ecforce's clock
	if _, err := f.ec.EditOrder(f.ids["EC00000001"], func(o *ecforceapi.Order) { o.Memo01 = "staff note" }); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ec.EditOrder(f.ids["EC00000002"], func(o *ecforceapi.Order) { o.ShippingAddress.Addr01 = "大阪府大阪市北区1-1" }); err != nil {
		t.Fatal(err)
	}
	f.resetCounts()
	next := f.listChanges(t, &first, time.Now(), nil)
	memo, ok1 := updatedOrder(next, "EC00000001")
	edited, ok2 := updatedOrder(next, "EC00000002")
	if !ok1 || !memo.InLogiless || !memo.Unedited {
		t.Errorf("EC00000001 (memo only): %+v (found %t), want InLogiless and Unedited", memo, ok1)
	}
	if !ok2 || !edited.InLogiless || edited.Unedited {
		t.Errorf("EC00000002 (address edited): %+v (found %t), want InLogiless, not Unedited", edited, ok2)
	}
	if ll := f.llCalls(llSearch); ll != 1 {
		t.Errorf("%d LOGILESS searches, want 1 (the lookup that also compares)", ll)
	}
}
