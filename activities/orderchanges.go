package activities

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/mapping"
	"github.com/ecforce-logiless/connector/orderedit"
	"github.com/ecforce-logiless/connector/salesorder"
)

// The order import's incremental discovery: the ecforce orders updated
// since the last look (the watermark), so that a run with nothing new costs
// one listing call however many orders the look-back window holds.

// WatermarkOverlap is how far before the watermark an incremental listing
// starts again, for clocks that differ and writes that become visible late.
// Orders listed twice are recognised by their updated_at (Recent) and cost
// nothing more.
const WatermarkOverlap = 2 * time.Minute

// MaxChangePages bounds the pages (100 orders each) one incremental listing
// reads; a listing that reaches it says More and the loop goes on at once.
const MaxChangePages = 20

// NamedOrder is an order a trigger (a webhook, `discover-now`) named: an
// ecforce order id, a 受注番号, or both.
type NamedOrder struct {
	OrderID     int64
	OrderNumber string
}

// DueOrder is an order left for its 発送予定日 (YYYY-MM-DD in JST), kept by
// the discovery loop and read again by id when the day has come.
type DueOrder struct {
	OrderID int64
	Due     string
}

// UpdatedOrder is an order updated since the watermark that this listing
// did not hand to an import: cancelled, edited, paid or shipped orders, and
// orders LOGILESS holds already. It carries no personal data; the order
// itself waits in the worker's OrderCache.
type UpdatedOrder struct {
	OrderID      int64
	OrderNumber  string
	State        string // 対応状況 key
	PaymentState string // 決済状況 key
	UpdatedAt    time.Time
	// InLogiless is true when the listing saw the order's code in the
	// shop's LOGILESS store (only orders in an import state are looked up).
	// Unedited is then true when LOGILESS's copy, as the code search
	// returned it, already agrees with what the order builds now (or is
	// shipped or cancelled): an EditOrder pass would have nothing to do.
	InLogiless bool
	Unedited   bool
	// Imported is true when the order is in order_import.imported_state:
	// the connector (or a person) marked it imported. Built is then
	// orderedit.Fingerprint of the sales order it builds now ("" when it
	// does not build): the same as its import sent when the update was the
	// import's own write of that state, and nothing else.
	Imported bool
	Built    string
}

// ListOrderChangesInput asks for what changed in one shop's ecforce orders
// since Watermark.
type ListOrderChangesInput struct {
	Shop string
	// Now is the workflow's time.
	Now time.Time
	// Watermark is the latest updated_at seen so far; the listing starts
	// WatermarkOverlap before it. Zero (a fresh loop) starts one
	// order_import.sweep_interval before Now: the sweep covers the rest.
	Watermark time.Time
	// Recent are the orders listed already with updated_at at or after
	// Watermark-WatermarkOverlap: id → updated_at (Unix seconds). An order
	// listed again unchanged is skipped.
	Recent map[int64]int64
	// ByID lists new orders by id above AfterOrderID instead of by
	// updated_at: the fallback while ecforce ignores q[updated_at_gteq].
	ByID         bool
	AfterOrderID int64
	// Due are orders whose 発送予定日 has come, read again by id.
	Due []int64
	// Named are orders a trigger named; they are handled first.
	Named []NamedOrder
}

// ListOrderChangesResult is what one incremental listing found. The
// embedded result counts and names like a full discovery's; Candidates
// start with the named orders.
type ListOrderChangesResult struct {
	ListImportCandidatesResult
	// Waiting are this run's orders not yet due, for the loop to keep.
	Waiting []DueOrder
	// Updated are the changed orders not handed to an import (the hook of
	// later steps: cancellations, edits).
	Updated []UpdatedOrder
	// Watermark, Recent, ByID and AfterOrderID are the state for the next
	// run.
	Watermark    time.Time
	Recent       map[int64]int64
	ByID         bool
	AfterOrderID int64
	// FilterIgnored is true when this run found that ecforce ignored
	// q[updated_at_gteq] (it returned an order updated before the bound)
	// and fell back to ByID.
	FilterIgnored bool
	// More is true when the listing stopped at MaxChangePages, a candidate
	// cap or a lookup cap; the loop runs again at once.
	More bool
}

// ListOrderChanges lists the shop's ecforce orders updated since the
// watermark (q[updated_at_gteq], ascending updated_at, no state filter),
// the orders named by a trigger and those whose 発送予定日 has come, and
// sorts them like ListImportCandidates: orders in an import state, created
// within the look-back and due are looked up in LOGILESS (100 codes per
// call) and become candidates unless LOGILESS has them; not yet due ones
// are returned in Waiting; every other one in Updated. An empty run costs
// one ecforce call and no LOGILESS call.
//
// ecforce's ransack drops a filter it does not know and answers
// everything: an order updated before the bound shows it, and the run
// falls back to new orders by id (ByID) from then on.
//
// Idempotent: it only reads.
func (a *OrderImport) ListOrderChanges(ctx context.Context, in ListOrderChangesInput) (ListOrderChangesResult, error) {
	ctx = importPriority(ctx)
	res := ListOrderChangesResult{Watermark: in.Watermark, ByID: in.ByID, AfterOrderID: in.AfterOrderID, Recent: map[int64]int64{}}
	shop, err := a.Shops.Shop(in.Shop)
	if err != nil {
		return res, err
	}
	ec, _ := importClients(shop)
	what := fmt.Sprintf("list changed ecforce orders of shop %s", in.Shop)
	var listed []ecforce.Order
	seen := map[int64]bool{}
	keep := func(page []ecforce.Order) error {
		for _, o := range page {
			if !seen[o.ID] {
				seen[o.ID] = true
				listed = append(listed, o)
			}
		}
		return nil
	}
	// Named orders first, then those due now, then the changes.
	var ids []int64
	var numbers []string
	for _, n := range in.Named {
		if n.OrderID > 0 {
			ids = append(ids, n.OrderID)
		} else if n.OrderNumber != "" {
			numbers = append(numbers, n.OrderNumber)
		}
	}
	ids = append(ids, in.Due...)
	for start := 0; start < len(ids); start += 100 {
		if err := ec.ListOrders(ctx, ecforce.OrderQuery{IDs: ids[start:min(start+100, len(ids))], MaxPages: 2}, keep); err != nil {
			return res, classify(what+" by id", err)
		}
	}
	for start := 0; start < len(numbers); start += 100 {
		if err := ec.ListOrders(ctx, ecforce.OrderQuery{Numbers: numbers[start:min(start+100, len(numbers))], MaxPages: 2}, keep); err != nil {
			return res, classify(what+" by number", err)
		}
	}
	byTrigger := len(listed)

	if !in.ByID {
		from := listingFrom(in.Watermark, in.Now, shop.Settings.OrderImport.SweepInterval)
		from = maxTime(from, in.Now.Add(-shop.Settings.OrderImport.Lookback)).Truncate(time.Second)
		changed, more, ignored, err := listUpdatedSince(ctx, ec, from)
		if err != nil {
			return res, classify(what, err)
		}
		if ignored {
			res.ByID, res.FilterIgnored = true, true
			a.logger().Warn("ecforce ignored q[updated_at_gteq] (it returned an order updated before the bound); "+
				"the discovery lists new orders by id from now on and leaves updates to the sweep", "shop", in.Shop)
		} else {
			res.More = more
			for _, o := range changed {
				res.Watermark = maxTime(res.Watermark, o.UpdatedAt.Time)
			}
			for _, o := range changed {
				if u, ok := in.Recent[o.ID]; ok && u == o.UpdatedAt.Unix() {
					continue // listed before, unchanged
				}
				_ = keep([]ecforce.Order{o})
			}
		}
	}
	if res.ByID {
		var byID ListImportCandidatesResult
		due, cappedAt, err := a.listDue(ctx, shop, ListImportCandidatesInput{Shop: in.Shop, Now: in.Now, AfterOrderID: in.AfterOrderID}, &byID)
		if err != nil {
			return res, err
		}
		res.More = res.More || cappedAt > 0
		_ = keep(due)
	}
	for _, o := range listed {
		res.AfterOrderID = max(res.AfterOrderID, o.ID)
	}
	res.Recent = recentAfter(in.Recent, listed, func(o ecforce.Order) (int64, time.Time) { return o.ID, o.UpdatedAt.Time }, res.Watermark, in.Now)
	return a.sortChanges(ctx, shop, in, listed, byTrigger, res)
}

// sortChanges splits the listed orders into candidates (looked up in
// LOGILESS), waiting and updated ones, named orders first.
func (a *OrderImport) sortChanges(ctx context.Context, shop *Shop, in ListOrderChangesInput, listed []ecforce.Order, byTrigger int, res ListOrderChangesResult) (ListOrderChangesResult, error) {
	settings := shop.Settings.OrderImport
	filters := importFilters(shop)
	now := in.Now.In(ecforce.JST)
	createdFrom := now.Add(-settings.Lookback)
	dueFrom, tomorrow := startOfDay(createdFrom), startOfDay(now).AddDate(0, 0, 1)
	inWindow := func(o ecforce.Order) bool {
		if !o.CreatedAt.Time.Before(createdFrom) {
			return true
		}
		s := o.ScheduledToBeShippedAt.Time
		return settings.OnlyDueTodayOrEarlier && !s.IsZero() && !s.Before(dueFrom) && s.Before(tomorrow)
	}
	table, err := shop.Mapping.Table(ctx)
	if err != nil {
		return res, classify(fmt.Sprintf("load the mapping table of shop %s", in.Shop), err)
	}
	var due []ecforce.Order
	named := 0 // due orders read because a trigger named them (or they fell due): first
	updated := func(o ecforce.Order, inLogiless, imported bool, built string) {
		res.Updated = append(res.Updated, UpdatedOrder{OrderID: o.ID, OrderNumber: o.Number, State: o.State,
			PaymentState: o.PaymentState, UpdatedAt: o.UpdatedAt.Time, InLogiless: inLogiless, Imported: imported, Built: built})
	}
	for i, o := range listed {
		if !filters.Admits(o.State) || !inWindow(o) {
			imported, built := settings.ImportedState != "" && o.State == settings.ImportedState, ""
			if imported {
				built = builds(o, shop, table)
			}
			updated(o, false, imported, built)
			continue
		}
		res.Listed++
		if filters.NotYetDue(o, now) {
			res.NotYetDue++
			d := DueOrder{OrderID: o.ID, Due: o.ScheduledToBeShippedAt.Time.In(ecforce.JST).Format(time.DateOnly)}
			res.Waiting = append(res.Waiting, d)
			if len(res.NotYetDueOrders) < MaxNamedOrders {
				res.NotYetDueOrders = append(res.NotYetDueOrders, NotYetDueOrder{OrderNumber: o.Number, Due: d.Due})
			}
			continue
		}
		due = append(due, o)
		if i < byTrigger {
			named++
		}
	}
	// Named orders keep their place at the front; then the orders created
	// after the watermark, which no earlier listing can have seen; the rest
	// by id.
	rest := due[named:]
	sort.Slice(rest, func(i, j int) bool { return rest[i].ID < rest[j].ID })
	fresh := 0
	if !in.Watermark.IsZero() {
		isFresh := func(o ecforce.Order) bool {
			_, seen := in.Recent[o.ID]
			return !seen && o.CreatedAt.Time.After(in.Watermark)
		}
		sort.SliceStable(rest, func(i, j int) bool { return isFresh(rest[i]) && !isFresh(rest[j]) })
		for fresh < len(rest) && isFresh(rest[fresh]) {
			fresh++
		}
	}

	maxCandidates, maxLookups := positiveOr(a.MaxCandidates, MaxCandidatesPerRun), positiveOr(a.MaxLookups, MaxLookupsPerRun)
	_, looked, ours, unedited, err := a.lookUpCandidates(ctx, shop, table, due, named+fresh, maxCandidates, maxLookups, &res.ListImportCandidatesResult)
	if err != nil {
		return res, err
	}
	if looked < len(due) {
		// The rest is looked at by the next run: keep it out of Recent.
		res.More, res.Truncated = true, true
		for _, o := range due[looked:] {
			delete(res.Recent, o.ID)
			if u := o.UpdatedAt.Time; !u.IsZero() && u.Before(res.Watermark) {
				res.Watermark = u // listed again by the next run
			}
		}
	}
	res.NextAfterOrderID = 0
	for _, o := range ours {
		updated(o, true, false, "")
		res.Updated[len(res.Updated)-1].Unedited = unedited[o.ID]
	}
	// Every order as listed now, not only the candidates: an import still
	// waiting for its turn then creates (or leaves alone, and never marks
	// imported) the order as it is now, e.g. cancelled since the listing
	// that made it a candidate. Other workers' caches are not reached:
	// docs/order-import.md "Changes while an import waits".
	a.Cache.Put(in.Shop, listed)
	a.logger().Info("listed order changes", "shop", in.Shop, "watermark", res.Watermark, "by_id", res.ByID,
		"listed", len(listed), "candidates", len(res.Candidates), "not_yet_due", res.NotYetDue,
		"already_in_logiless", res.AlreadyInLogiless, "updated", len(res.Updated), "more", res.More)
	return res, nil
}

// builds is orderedit.Fingerprint of the sales order o builds now, ""
// when it does not build (an SKU unmapped since, another setting).
func builds(o ecforce.Order, shop *Shop, table *mapping.Table) string {
	now, err := salesorder.Build(o, salesOrderSettings(shop), table)
	if err != nil {
		return ""
	}
	return orderedit.Fingerprint(now)
}

// listUpdatedSince reads the orders updated at or after from, ascending by
// updated_at, each page asked for as the first page after the latest
// updated_at seen (so an order updated meanwhile moves to a later page
// rather than shifting another out of the run). A page whose orders all
// carry the bound's second is read on by page number. ignored reports an
// order updated before from: ecforce dropped the filter.
func listUpdatedSince(ctx context.Context, ec orderImportEcforce, from time.Time) (orders []ecforce.Order, more, ignored bool, err error) {
	seen := map[int64]bool{}
	q := ecforce.OrderQuery{UpdatedFrom: from, ByUpdatedAt: true, MaxPages: 1}
	for pages := 0; pages < MaxChangePages; pages++ {
		var latest time.Time
		handle := func(page []ecforce.Order) error {
			activity.RecordHeartbeat(ctx, len(orders))
			for _, o := range page {
				u := o.UpdatedAt.Time
				if !u.IsZero() && u.Before(from) {
					ignored = true
				}
				latest = maxTime(latest, u)
				if !seen[o.ID] {
					seen[o.ID] = true
					orders = append(orders, o)
				}
			}
			return nil
		}
		err := ec.ListOrders(ctx, q, handle)
		switch {
		case ignored:
			return nil, false, true, nil
		case err == nil:
			return orders, false, false, nil // the last page
		case !errors.Is(err, ecforce.ErrPageCapReached):
			return nil, false, false, err
		}
		if latest.After(q.UpdatedFrom) {
			q.UpdatedFrom, q.MaxPages = latest, 1
			continue
		}
		// A full page within one second: read that second by page number.
		q.MaxPages = MaxListingPages
		if err := ec.ListOrders(ctx, q, handle); err != nil && !errors.Is(err, ecforce.ErrPageCapReached) {
			return nil, false, false, err
		}
		q.UpdatedFrom, q.MaxPages = q.UpdatedFrom.Add(time.Second), 1
	}
	return orders, true, false, nil
}

// recentAfter is the Recent of the next run: the records listed (and those
// of the last Recent) whose updated_at is at or after watermark-
// WatermarkOverlap. A record of the watermark's own second is kept only
// once now is more than WatermarkOverlap past it: until then another
// update within that second could still come, with the same updated_at,
// and must not be skipped.
func recentAfter[T any](last map[int64]int64, listed []T, key func(T) (int64, time.Time), watermark, now time.Time) map[int64]int64 {
	out := map[int64]int64{}
	bound := watermark.Add(-WatermarkOverlap).Unix()
	settled := now.Sub(watermark) > WatermarkOverlap
	keep := func(id, u int64) {
		if u >= bound && (u < watermark.Unix() || settled) {
			out[id] = u
		}
	}
	for id, u := range last {
		keep(id, u)
	}
	for _, r := range listed {
		id, u := key(r)
		if !u.IsZero() {
			keep(id, u.Unix())
		}
	}
	return out
}

// listingFrom is where an incremental listing starts: WatermarkOverlap
// before the watermark while writes near it may still become visible,
// the second after it once now is more than WatermarkOverlap past it (the
// records of its second are all known: see recentAfter), and one sweep
// interval before now for a fresh loop.
func listingFrom(watermark, now time.Time, sweep time.Duration) time.Time {
	switch {
	case watermark.IsZero():
		return now.Add(-sweep)
	case now.Sub(watermark) > WatermarkOverlap:
		return watermark.Truncate(time.Second).Add(time.Second)
	}
	return watermark.Add(-WatermarkOverlap)
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
