package stocksync

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/mapping"
)

// Set articles are listed once per run; later runs ask only for sets
// updated since the last listing (minus the overlap), a full pass lists them
// all again.
func TestSetCatalogsListOncePerRun(t *testing.T) {
	ctx := context.Background()
	wall := t0.Add(time.Hour)
	c := SetCatalogs{Now: func() time.Time { return wall }}
	ll := newFakeLogiless()
	ll.addSet("SET", t0, mapping.Component{ArticleCode: "A", Quantity: 2})
	beats := 0
	beat := func() { beats++ }

	for range 2 { // two pages of run r1
		cat, err := c.For(ctx, "demo", "r1", true, ll, beat)
		if err != nil {
			t.Fatal(err)
		}
		if comps, ok := cat.Components("SET"); !ok || comps[0].Quantity != 2 {
			t.Fatalf("SET = %v, %v", comps, ok)
		}
	}
	if len(ll.setSince) != 1 || !ll.setSince[0].IsZero() || beats != 1 {
		t.Fatalf("first run listed sets since %v (%d beats), want once in full", ll.setSince, beats)
	}

	// A new set quantity arrives; the next incremental run refreshes.
	ll.addSet("SET", wall.Add(time.Minute), mapping.Component{ArticleCode: "A", Quantity: 4})
	ll.addSet("NEW", wall.Add(time.Minute), mapping.Component{ArticleCode: "B", Quantity: 1})
	listedAt := wall
	wall = wall.Add(10 * time.Minute)
	for range 2 {
		cat, err := c.For(ctx, "demo", "r2", false, ll, beat)
		if err != nil {
			t.Fatal(err)
		}
		if comps, _ := cat.Components("SET"); comps[0].Quantity != 4 {
			t.Errorf("SET after the refresh = %v", comps)
		}
		if _, ok := cat.Components("NEW"); !ok {
			t.Error("the new set is missing")
		}
		if sets := cat.containing["A"]; !slices.Equal(sets, []string{"SET"}) {
			t.Errorf("sets containing A = %v", sets)
		}
	}
	if len(ll.setSince) != 2 || !ll.setSince[1].Equal(listedAt.Add(-DefaultSinceOverlap)) {
		t.Errorf("incremental run listed sets since %v, want one refresh from the last listing minus the overlap", ll.setSince)
	}
	// A full pass within the same run key (a NeedFull) lists everything.
	if _, err := c.For(ctx, "demo", "r2", true, ll, beat); err != nil {
		t.Fatal(err)
	}
	if len(ll.setSince) != 3 || !ll.setSince[2].IsZero() {
		t.Errorf("full pass of run r2 listed sets since %v, want a full listing", ll.setSince)
	}
	if _, err := c.For(ctx, "demo", "r3", true, ll, beat); err != nil {
		t.Fatal(err)
	}
	if len(ll.setSince) != 4 || !ll.setSince[3].IsZero() {
		t.Errorf("full run listed sets since %v, want a full listing", ll.setSince)
	}
	// Without a run key nothing is shared.
	for range 2 {
		if _, err := c.For(ctx, "demo", "", false, ll, beat); err != nil {
			t.Fatal(err)
		}
	}
	if len(ll.setSince) != 6 {
		t.Errorf("%d listings, want one per call without a run key", len(ll.setSince))
	}
}

func TestSetCatalogsKeepNothingOnError(t *testing.T) {
	c := SetCatalogs{}
	boom := errors.New("boom")
	if _, err := c.For(context.Background(), "demo", "r1", true, failingLister{boom}, func() {}); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	ll := newFakeLogiless()
	if _, err := c.For(context.Background(), "demo", "r1", true, ll, func() {}); err != nil || len(ll.setSince) != 1 {
		t.Errorf("after a failed listing: err %v, %d listings", err, len(ll.setSince))
	}
}

type failingLister struct{ err error }

func (f failingLister) ListSets(context.Context, time.Time, func(map[string][]mapping.Component) error) error {
	return f.err
}

func (f failingLister) ListChanged(context.Context, time.Time, func(map[string]int64) error) error {
	return f.err
}

// The pages of one run share one read of the changed inventory.
func TestChangesOneReadPerRun(t *testing.T) {
	ctx := context.Background()
	since := t0.Add(time.Hour)
	ll := newFakeLogiless()
	ll.set("A", 9, t0)
	ll.set("B", 4, since.Add(time.Minute))
	var c Changes
	beats := 0
	for range 2 {
		free, err := c.Since(ctx, "demo", "r", since, ll, func() { beats++ })
		if err != nil {
			t.Fatal(err)
		}
		if len(free) != 1 || free["B"] != 4 {
			t.Errorf("changed = %v, want only B", free)
		}
	}
	if len(ll.listSince) != 1 || !ll.listSince[0].Equal(since) || beats != 1 {
		t.Errorf("inventory listings since %v (%d beats), want one from %v", ll.listSince, beats, since)
	}
	if _, err := c.Since(ctx, "demo", "r", since.Add(time.Minute), ll, func() {}); err != nil || len(ll.listSince) != 2 {
		t.Errorf("another since: err %v, %d listings", err, len(ll.listSince))
	}
	if _, err := c.Since(ctx, "demo", "r2", since, ll, func() {}); err != nil || len(ll.listSince) != 3 {
		t.Errorf("another run: err %v, %d listings", err, len(ll.listSince))
	}

	// Too many changes: the error says so and nothing is kept.
	ll.tooMany = true
	if _, err := c.Since(ctx, "demo", "r3", since, ll, func() {}); !errors.Is(err, ErrTooManyChanges) {
		t.Errorf("err = %v, want ErrTooManyChanges", err)
	}
	if _, err := c.Since(ctx, "demo", "r3", since, failingLister{errors.New("boom")}, func() {}); err == nil {
		t.Error("a failed read was cached")
	}
	if r := TooManyChangesReason(since); r != "more than 20000 LOGILESS articles changed since 2024-05-01 19:00:00 JST" {
		t.Errorf("reason = %q", r)
	}
}
