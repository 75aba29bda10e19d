package activities

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/logiless"
	"github.com/ecforce-logiless/connector/mapping"
	"github.com/ecforce-logiless/connector/orderedit"
	"github.com/ecforce-logiless/connector/salesorder"
)

// The order import's discovery step: which ecforce orders to import.

// MaxCandidatesPerRun bounds the imports one discovery run starts. It
// applies after the orders already in LOGILESS are dropped, so old imported
// orders never hold new ones back; a run that reaches it stops there and
// its discovery continues from that order (ListImportCandidatesResult.
// NextAfterOrderID, a continued run).
const MaxCandidatesPerRun = 1000

// MaxLookupsPerRun bounds the orders one discovery run looks up in
// LOGILESS (at most 100 codes per search, about a minute at LOGILESS's one
// request per second); a run that reaches it continues like one that
// reached MaxCandidatesPerRun.
const MaxLookupsPerRun = 5000

// ListImportCandidatesInput asks for one shop's import candidates as of Now.
type ListImportCandidatesInput struct {
	Shop string
	// Now is the workflow's time, so the window is recorded in history.
	Now time.Time
	// Scheduled is true when a Temporal Schedule started the run; a shop
	// whose auto-run setting is off then imports nothing.
	//
	// Deprecated: set only by runs from before workflows.ShopSwitchesChangeID;
	// newer runs decide with the ShopSwitches step and leave it false.
	Scheduled bool
	// AfterOrderID, when not 0, continues a discovery where an earlier run
	// stopped: only orders with a larger ecforce id are looked at.
	AfterOrderID int64
}

// ImportCandidate is one ecforce order to import. It carries no personal
// data: the order itself waits in the worker's OrderCache.
type ImportCandidate struct {
	OrderID     int64
	OrderNumber string
	// CodeLookup is LookupFound or LookupNotFound: what LOGILESS said of
	// the order's code when discovery searched for it.
	CodeLookup string
	// Unmapped is true when a SKU of the order has no row in the mapping
	// table at listing time. Its import will fail with UnmappedSKU; the
	// workflow starts such an import once, not on every scan.
	Unmapped bool
	// MultipleDestinations is true when the order ships to several
	// destinations; its import fails with MultipleDestinations and, like an
	// unmapped one, runs once.
	MultipleDestinations bool
	// CodeTaken is true when the order's LOGILESS code belongs to another
	// store; its import fails with OrderCodeTaken and runs once, until the
	// shop's code_prefix changes its code.
	CodeTaken bool
}

// RunsOnce reports whether the candidate's import can only fail until a
// person changes something, so that a discovery starts it once and not
// again after it failed.
func (c ImportCandidate) RunsOnce() bool {
	return c.BlockedBy() != ""
}

// BlockedBy is the error type the candidate's import fails with until a
// person changes something (UnmappedSKU, MultipleDestinations,
// OrderCodeTaken), or "" when nothing stands in its way.
func (c ImportCandidate) BlockedBy() string {
	switch {
	case c.CodeTaken:
		return ErrTypeOrderCodeTaken
	case c.MultipleDestinations:
		return ErrTypeMultipleDestinations
	case c.Unmapped:
		return ErrTypeUnmappedSKU
	}
	return ""
}

// MaxNamedOrders is how many order numbers a discovery names for each
// reason it leaves orders waiting (the counts are complete).
const MaxNamedOrders = 5

// NotYetDueOrder is an order left for its 発送予定日.
type NotYetDueOrder struct {
	OrderNumber string
	// Due is the 発送予定日, YYYY-MM-DD in JST.
	Due string
}

// ListImportCandidatesResult is what one discovery listing found.
type ListImportCandidatesResult struct {
	Candidates []ImportCandidate
	Listed     int // orders ecforce returned in the window
	// NotYetDue counts orders whose 発送予定日 is tomorrow or later (JST)
	// while the shop imports only orders due today or earlier.
	NotYetDue int
	// AlreadyInLogiless counts orders whose code LOGILESS already has and
	// that need nothing more (no "imported" 対応状況 is configured).
	AlreadyInLogiless int
	// CodeTaken counts the candidates whose code another store holds.
	CodeTaken int
	// NotYetDueOrders and AlreadyInLogilessOrders name the first
	// MaxNamedOrders of NotYetDue and AlreadyInLogiless.
	NotYetDueOrders         []NotYetDueOrder
	AlreadyInLogilessOrders []string
	// Truncated is true when the run stopped before it looked at every
	// order: MaxCandidatesPerRun candidates found, MaxLookupsPerRun orders
	// looked up, or a listing at its page cap.
	Truncated bool
	// NextAfterOrderID, when not 0, is where the discovery continues: the
	// ecforce id of the last order this run looked at.
	NextAfterOrderID int64
	// Disabled is true when a scheduled run found auto-run switched off.
	//
	// Deprecated: see ListImportCandidatesInput.Scheduled.
	Disabled bool
}

// ListImportCandidates lists the shop's ecforce orders in an import state
// created within the look-back window (and, when only orders due today or
// earlier are imported, also those whose 発送予定日 falls due today whatever
// their creation date), in ascending id from in.AfterOrderID, and asks
// LOGILESS, 100 codes per call, which it holds already. Orders the shop's
// store holds need nothing more and are dropped before the candidates are
// counted, so a window full of imported orders never hides a new one. The
// candidates' orders wait in the worker's cache for their imports.
//
// Idempotent: it only reads.
func (a *OrderImport) ListImportCandidates(ctx context.Context, in ListImportCandidatesInput) (ListImportCandidatesResult, error) {
	ctx = importPriority(ctx)
	var res ListImportCandidatesResult
	shop, err := a.Shops.Shop(in.Shop)
	if err != nil {
		return res, err
	}
	settings := shop.Settings.OrderImport
	if in.Scheduled && !settings.AutoRun {
		res.Disabled = true
		return res, nil
	}
	due, cappedAt, err := a.listDue(ctx, shop, in, &res)
	if err != nil {
		return res, err
	}
	table, err := shop.Mapping.Table(ctx)
	if err != nil {
		return res, classify(fmt.Sprintf("load the mapping table of shop %s", in.Shop), err)
	}

	maxCandidates, maxLookups := positiveOr(a.MaxCandidates, MaxCandidatesPerRun), positiveOr(a.MaxLookups, MaxLookupsPerRun)
	candidates, looked, _, _, err := a.lookUpCandidates(ctx, shop, table, due, 0, maxCandidates, maxLookups, &res)
	if err != nil {
		return res, err
	}
	switch {
	case looked < len(due):
		res.Truncated = true // NextAfterOrderID is the last order looked at
	case cappedAt > 0:
		res.Truncated, res.NextAfterOrderID = true, cappedAt
	default:
		res.NextAfterOrderID = 0 // every order was looked at: the discovery ends here
	}
	a.Cache.Put(in.Shop, candidates)
	a.logger().Info("listed import candidates", "shop", in.Shop, "after_order_id", in.AfterOrderID, "listed", res.Listed,
		"candidates", len(res.Candidates), "not_yet_due", res.NotYetDue, "already_in_logiless", res.AlreadyInLogiless,
		"code_taken", res.CodeTaken, "next_after_order_id", res.NextAfterOrderID)
	return res, nil
}

// lookUpCandidates asks LOGILESS, 100 codes per call, which of the due
// orders (ascending id) it holds and counts in res what needs nothing more;
// the others become res.Candidates, whose orders it returns. It stops at
// maxCandidates candidates or maxLookups orders looked up; looked is how
// many of due it got through (res.NextAfterOrderID is the last of them).
// ours are the orders LOGILESS holds already for this store.
//
// The first unsearched orders of due are new to the connector: read
// because a trigger named them (a webhook's new order) or fell due today,
// or created after the listing's watermark, so no earlier discovery saw
// them. They become candidates without a code search,
// with CodeLookup LookupNotFound, so the import's first attempt creates at
// once and only a code LOGILESS already holds (a duplicate, or another
// store's) costs a search (CreateSalesOrder). That saves one LOGILESS call
// of the two such an order costs; the workflow ID still keeps a second
// webhook of the same order from importing it twice.
func (a *OrderImport) lookUpCandidates(ctx context.Context, shop *Shop, table *mapping.Table, due []ecforce.Order, unsearched, maxCandidates, maxLookups int, res *ListImportCandidatesResult) (candidates []ecforce.Order, looked int, ours []ecforce.Order, unedited map[int64]bool, err error) {
	unedited = map[int64]bool{}
	_, ll := importClients(shop)
	settings := shop.Settings.OrderImport
	codes, store := shopCodes(shop), shop.Settings.Logiless.StoreID
	perSearch := 100 / len(codes.LookupCodes("0"))
	for _, o := range due[:min(unsearched, len(due))] {
		if len(res.Candidates) == maxCandidates {
			break
		}
		looked++
		res.NextAfterOrderID = o.ID
		res.Candidates = append(res.Candidates, ImportCandidate{OrderID: o.ID, OrderNumber: o.Number, CodeLookup: LookupNotFound,
			Unmapped: !salesOrderSettings(shop).MapsEveryLine(o, table), MultipleDestinations: salesorder.SeveralDestinations(o)})
		candidates = append(candidates, o)
	}
	for looked < len(due) && len(res.Candidates) < maxCandidates && looked < maxLookups {
		batch := due[looked:min(looked+perSearch, len(due), maxLookups)]
		var lookup []string
		for _, o := range batch {
			lookup = append(lookup, codes.LookupCodes(o.Number)...)
		}
		fields, err := ll.SearchSalesOrderFieldsByCode(ctx, lookup)
		if err != nil {
			return candidates, looked, ours, unedited, classify(fmt.Sprintf("look up %d order codes of shop %s in LOGILESS", len(lookup), shop.Settings.Code), err)
		}
		found := make([]logiless.SalesOrder, len(fields))
		byID := make(map[int64]logiless.SalesOrderFields, len(fields))
		for i, f := range fields {
			found[i], byID[f.SalesOrder.ID] = f.SalesOrder, f
		}
		for _, o := range batch {
			if len(res.Candidates) == maxCandidates {
				break
			}
			looked++
			res.NextAfterOrderID = o.ID
			c := ImportCandidate{OrderID: o.ID, OrderNumber: o.Number, CodeLookup: LookupNotFound,
				Unmapped: !salesOrderSettings(shop).MapsEveryLine(o, table), MultipleDestinations: salesorder.SeveralDestinations(o)}
			switch claim := codes.Claim(o.Number, store, found); claim.Status {
			case salesorder.CodeOurs:
				ours = append(ours, o)
				if !editPending(o, byID[claim.SalesOrder.ID], shop, table) {
					unedited[o.ID] = true
				}
				if settings.ImportedState == "" {
					res.AlreadyInLogiless++
					if len(res.AlreadyInLogilessOrders) < MaxNamedOrders {
						res.AlreadyInLogilessOrders = append(res.AlreadyInLogilessOrders, o.Number)
					}
					continue
				}
				c.CodeLookup = LookupFound
			case salesorder.CodeTaken:
				c.CodeLookup, c.CodeTaken = LookupFound, true
				res.CodeTaken++
			}
			res.Candidates = append(res.Candidates, c)
			candidates = append(candidates, o)
		}
		activity.RecordHeartbeat(ctx, looked)
	}
	return candidates, looked, ours, unedited, nil
}

// editPending reports whether the order o of the shop, which LOGILESS
// holds as cur, has an edit to carry over (orderedit.Pending): an order
// that no longer builds counts as one, for its EditOrder pass to report.
func editPending(o ecforce.Order, cur logiless.SalesOrderFields, shop *Shop, table *mapping.Table) bool {
	want, err := salesorder.Build(o, salesOrderSettings(shop), table)
	return err != nil || orderedit.Pending(want, cur)
}

// listDue lists the shop's orders in the import window with an id above
// in.AfterOrderID that are due, ascending by id, counting in res what it
// listed and what waits for its 発送予定日. An order outside the import
// states (ecforce ignored the filter, or it is cancelled) is dropped here
// too. When a listing stopped at its page cap, cappedAt is the last id it
// returned: only orders up to it are returned, and the discovery continues
// after it.
func (a *OrderImport) listDue(ctx context.Context, shop *Shop, in ListImportCandidatesInput, res *ListImportCandidatesResult) (due []ecforce.Order, cappedAt int64, err error) {
	settings := shop.Settings.OrderImport
	filters := importFilters(shop)
	ec, _ := importClients(shop)
	now := in.Now.In(ecforce.JST)
	tomorrow := startOfDay(now).AddDate(0, 0, 1)
	var idFrom int64
	if in.AfterOrderID > 0 {
		idFrom = in.AfterOrderID + 1
	}
	queries := []ecforce.OrderQuery{{
		States:        settings.States,
		CreatedFrom:   now.Add(-settings.Lookback),
		CreatedBefore: now.Add(time.Minute),
		IDFrom:        idFrom,
	}}
	if settings.OnlyDueTodayOrEarlier {
		// An order created long ago may fall due today: find it by date.
		queries = append(queries, ecforce.OrderQuery{
			States:                settings.States,
			ScheduledToShipFrom:   startOfDay(now.Add(-settings.Lookback)),
			ScheduledToShipBefore: tomorrow,
			IDFrom:                idFrom,
		})
	}
	seen := map[int64]bool{}
	for _, q := range queries {
		var last int64
		handle := func(page []ecforce.Order) error {
			activity.RecordHeartbeat(ctx, len(seen))
			for _, o := range page {
				last = max(last, o.ID)
				if seen[o.ID] || o.ID <= in.AfterOrderID || !filters.Admits(o.State) {
					continue
				}
				seen[o.ID] = true
				res.Listed++
				if filters.NotYetDue(o, now) {
					res.NotYetDue++
					if len(res.NotYetDueOrders) < MaxNamedOrders {
						res.NotYetDueOrders = append(res.NotYetDueOrders, NotYetDueOrder{
							OrderNumber: o.Number, Due: o.ScheduledToBeShippedAt.Time.In(ecforce.JST).Format(time.DateOnly)})
					}
					continue
				}
				due = append(due, o)
			}
			return nil
		}
		capped, idFilterIgnored, err := listByID(ctx, ec, q, &last, handle)
		if err != nil {
			return nil, 0, classify(fmt.Sprintf("list ecforce orders of shop %s", in.Shop), err)
		}
		if idFilterIgnored {
			a.logger().Warn("ecforce ignored q[id_gteq]; the orders were listed by page number instead (an order that leaves the listing between pages may be read in the next run only)", "shop", in.Shop)
		}
		if capped {
			a.logger().Warn("order listing hit the page cap; the discovery continues after the last order listed", "shop", in.Shop)
			if cappedAt == 0 || last < cappedAt {
				cappedAt = last
			}
		}
	}
	sort.Slice(due, func(i, j int) bool { return due[i].ID < due[j].ID })
	if cappedAt > 0 {
		// The other listing may have returned orders above the capped
		// one's last id, while the capped one missed some: keep those
		// below it only, and continue after it.
		due = due[:sort.Search(len(due), func(i int) bool { return due[i].ID > cappedAt })]
	}
	return due, cappedAt, nil
}

// MaxListingPages bounds the pages one order listing of a discovery run
// reads; a listing that reaches it continues in the next run.
const MaxListingPages = 100

// listByID reads every order of q one page at a time, each page asked for
// as the first page of the orders above the last id seen (q[id_gteq])
// rather than by page number: an order that leaves the listing between two
// pages (its 対応状況 changed) would otherwise shift the next page's first
// order onto a page already read, and the run would skip it silently, and
// an order that joins would come back a second time. *last is the highest
// id handed to handle. capped reports that MaxListingPages were read while
// more remained.
//
// A shop whose ecforce ignores q[id_gteq] (ransack answers everything when
// it drops a filter it does not know) shows it by a full page without an
// order above the last id: then the listing is read by page number from
// the start instead (handle has to drop what it saw already), and
// idFilterIgnored says so.
func listByID(ctx context.Context, ec orderImportEcforce, q ecforce.OrderQuery, last *int64, handle func([]ecforce.Order) error) (capped, idFilterIgnored bool, err error) {
	byPage := q
	byPage.MaxPages = MaxListingPages
	q.MaxPages = 1
	for pages := 1; ; pages++ {
		before := *last
		err := ec.ListOrders(ctx, q, handle)
		if !errors.Is(err, ecforce.ErrPageCapReached) {
			return false, false, err // nil: the page was the last one
		}
		if *last <= before || *last < q.IDFrom {
			err := ec.ListOrders(ctx, byPage, handle)
			if errors.Is(err, ecforce.ErrPageCapReached) {
				return true, true, nil
			}
			return false, true, err
		}
		if pages >= MaxListingPages {
			return true, false, nil
		}
		q.IDFrom = *last + 1
	}
}

func positiveOr[T int | time.Duration](v, fallback T) T {
	if v > 0 {
		return v
	}
	return fallback
}

// importFilters are the shop's import filters (order_import.states and
// only_due_today_or_earlier).
func importFilters(shop *Shop) salesorder.Filters {
	s := shop.Settings.OrderImport
	return salesorder.Filters{States: s.States, OnlyDueTodayOrEarlier: s.OnlyDueTodayOrEarlier}
}

func startOfDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}
