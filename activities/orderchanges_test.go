package activities

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/config"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
)

func changesShop(s *config.Shop) {
	s.OrderImport.SweepInterval = time.Hour
	s.OrderImport.OnlyDueTodayOrEarlier = true
}

// listChanges runs ListOrderChanges from the state of an earlier result
// (nil: a fresh loop) at now.
func (f *importFixture) listChanges(t *testing.T, last *ListOrderChangesResult, now time.Time, edit func(*ListOrderChangesInput)) ListOrderChangesResult {
	t.Helper()
	in := ListOrderChangesInput{Shop: "demo", Now: now}
	if last != nil {
		in.Watermark, in.Recent, in.ByID, in.AfterOrderID = last.Watermark, last.Recent, last.ByID, last.AfterOrderID
	}
	if edit != nil {
		edit(&in)
	}
	res, err := runActivity[ListOrderChangesResult](t, activityEnv(f.a), f.a.ListOrderChanges, in)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func candidateNumbers(res ListImportCandidatesResult) []string {
	var out []string
	for _, c := range res.Candidates {
		out = append(out, c.OrderNumber)
	}
	return out
}

func TestListOrderChanges(t *testing.T) {
	old := importSeed(9, "A", nil) // updated long before the watermark
	old.CreatedAt = time.Now().Add(-3 * time.Hour)
	draft := importSeed(8, "A", nil) // 新規受付 until the test completes it
	draft.State, draft.CreatedAt = "new", time.Now().Add(-30*time.Minute)
	seeds := []ecforceapi.OrderSeed{importSeed(1, "A", nil), importSeed(2, "A", intp(1)), importSeed(3, "A", intp(-1)), draft, old}

	t.Run("a run with nothing new costs one ecforce call", func(t *testing.T) {
		f := newImportFixture(t, seeds, changesShop)
		f.inLogiless(t, "EC00000003")
		now := time.Now()
		first := f.listChanges(t, nil, now, nil)
		if got := candidateNumbers(first.ListImportCandidatesResult); !slices.Equal(got, []string{"EC00000001"}) {
			t.Errorf("first run candidates = %v, want [EC00000001] (EC00000002 waits, EC00000003 is in LOGILESS, EC00000009 is older than the sweep)", got)
		}
		if len(first.Waiting) != 1 || first.Waiting[0].OrderID != f.ids["EC00000002"] {
			t.Errorf("waiting = %+v, want EC00000002", first.Waiting)
		}
		if first.Watermark.IsZero() || first.ByID || first.FilterIgnored {
			t.Errorf("state = watermark %s by id %t ignored %t", first.Watermark, first.ByID, first.FilterIgnored)
		}
		// Later (past the overlap), the same orders are settled ...
		second := f.listChanges(t, &first, now.Add(3*time.Minute), nil)
		f.resetCounts()
		// ... and a run with nothing new lists once and looks nothing up.
		empty := f.listChanges(t, &second, now.Add(4*time.Minute), nil)
		if len(empty.Candidates) != 0 || len(empty.Updated) != 0 {
			t.Errorf("empty run: candidates %v, updated %+v", candidateNumbers(empty.ListImportCandidatesResult), empty.Updated)
		}
		if ec, ll := f.ecCalls(ecListOrders), f.llCalls(llSearch); ec != 1 || ll != 0 {
			t.Errorf("empty run: %d ecforce listing calls and %d LOGILESS searches, want 1 and 0", ec, ll)
		}
	})

	t.Run("an order updated after the watermark is found; updated orders go to the hook", func(t *testing.T) {
		f := newImportFixture(t, seeds, changesShop)
		now := time.Now()
		first := f.listChanges(t, nil, now, nil)
		if slices.Contains(candidateNumbers(first.ListImportCandidatesResult), "EC00000008") {
			t.Fatal("a 新規受付 order is a candidate")
		}
		time.Sleep(1100 * time.Millisecond) // a later second of ecforce's clock
		if _, err := f.ecClient.UpdateOrderState(context.Background(), f.ids["EC00000008"], "complete"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.ecClient.UpdateOrderState(context.Background(), f.ids["EC00000001"], "canceled"); err != nil {
			t.Fatal(err)
		}
		next := f.listChanges(t, &first, time.Now(), nil)
		if !slices.Contains(candidateNumbers(next.ListImportCandidatesResult), "EC00000008") {
			t.Errorf("candidates = %v, want EC00000008 (completed after the watermark)", candidateNumbers(next.ListImportCandidatesResult))
		}
		var canceled bool
		for _, u := range next.Updated {
			canceled = canceled || (u.OrderNumber == "EC00000001" && u.State == "canceled")
		}
		if !canceled {
			t.Errorf("updated = %+v, want EC00000001 canceled", next.Updated)
		}
	})

	t.Run("ecforce ignoring q[updated_at_gteq] is detected and new orders are listed by id", func(t *testing.T) {
		f := newImportFixture(t, seeds, changesShop)
		f.ec.IgnoreOrderFilters("updated_at_gteq")
		res := f.listChanges(t, &ListOrderChangesResult{Watermark: time.Now().Add(-time.Minute), AfterOrderID: f.ids["EC00000001"]}, time.Now(), nil)
		if !res.FilterIgnored || !res.ByID {
			t.Fatalf("FilterIgnored %t ByID %t, want both", res.FilterIgnored, res.ByID)
		}
		if got := candidateNumbers(res.ListImportCandidatesResult); !slices.Contains(got, "EC00000009") || slices.Contains(got, "EC00000001") {
			t.Errorf("candidates = %v: want the orders above the id watermark (EC00000009), not EC00000001", got)
		}
		f.resetCounts()
		again := f.listChanges(t, &res, time.Now(), nil)
		if !again.ByID || len(again.Candidates) != 0 || f.ecCalls(ecListOrders) > 2 {
			t.Errorf("next run by id: ByID %t candidates %v, %d ecforce calls", again.ByID, candidateNumbers(again.ListImportCandidatesResult), f.ecCalls(ecListOrders))
		}
	})

	t.Run("a named order alone costs no LOGILESS search; its import creates at once", func(t *testing.T) {
		f := newImportFixture(t, seeds, changesShop)
		now := time.Now()
		first := f.listChanges(t, nil, now, nil)
		second := f.listChanges(t, &first, now.Add(3*time.Minute), nil)
		f.resetCounts()
		res := f.listChanges(t, &second, now.Add(4*time.Minute), func(in *ListOrderChangesInput) {
			in.Named = []NamedOrder{{OrderID: f.ids["EC00000009"]}}
		})
		if len(res.Candidates) != 1 || res.Candidates[0].OrderNumber != "EC00000009" || res.Candidates[0].CodeLookup != LookupNotFound {
			t.Fatalf("candidates = %+v, want EC00000009 with CodeLookup %q", res.Candidates, LookupNotFound)
		}
		if ll := f.llCalls(llSearch); ll != 0 {
			t.Errorf("%d LOGILESS searches for a named order, want 0 (the create finds a code LOGILESS holds)", ll)
		}
	})

	t.Run("an order created after the watermark costs no LOGILESS search; an older updated one is looked up", func(t *testing.T) {
		f := newImportFixture(t, seeds, changesShop)
		now := time.Now()
		first := f.listChanges(t, nil, now, nil)
		second := f.listChanges(t, &first, now.Add(3*time.Minute), nil) // settled
		time.Sleep(1100 * time.Millisecond)                             // a later second of ecforce's clock
		fresh := importSeed(20, "A", nil)
		fresh.CreatedAt = time.Now()
		if _, err := f.ec.SeedOrder(fresh); err != nil {
			t.Fatal(err)
		}
		f.resetCounts()
		res := f.listChanges(t, &second, now.Add(4*time.Minute), nil)
		var got []ImportCandidate
		for _, c := range res.Candidates {
			if c.OrderNumber == "EC00000020" {
				got = append(got, c)
			}
		}
		if len(got) != 1 || got[0].CodeLookup != LookupNotFound {
			t.Fatalf("candidates = %+v, want EC00000020 with CodeLookup %q", res.Candidates, LookupNotFound)
		}
		if ll := f.llCalls(llSearch); ll != 0 {
			t.Errorf("%d LOGILESS searches for an order created after the watermark, want 0", ll)
		}
		// The same listing from a fresh loop (no watermark) looks it up.
		f.resetCounts()
		f.listChanges(t, nil, time.Now(), nil)
		if ll := f.llCalls(llSearch); ll == 0 {
			t.Error("a fresh loop (no watermark) made no LOGILESS search; it must look its candidates up")
		}
	})

	t.Run("a named order is handled first, a due one is read again by id", func(t *testing.T) {
		f := newImportFixture(t, seeds, changesShop)
		first := f.listChanges(t, nil, time.Now(), nil)
		res := f.listChanges(t, &first, time.Now(), func(in *ListOrderChangesInput) {
			in.Named = []NamedOrder{{OrderNumber: "EC00000009"}}
		})
		if got := candidateNumbers(res.ListImportCandidatesResult); len(got) == 0 || got[0] != "EC00000009" {
			t.Errorf("candidates = %v, want EC00000009 first", got)
		}
		tomorrow := time.Now().Add(24 * time.Hour)
		due := f.listChanges(t, &first, tomorrow, func(in *ListOrderChangesInput) { in.Due = []int64{f.ids["EC00000002"]} })
		if got := candidateNumbers(due.ListImportCandidatesResult); len(got) == 0 || got[0] != "EC00000002" {
			t.Errorf("on its day: candidates = %v, want EC00000002 first", got)
		}
	})
}
