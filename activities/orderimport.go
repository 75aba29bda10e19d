package activities

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/logiless"
	"github.com/ecforce-logiless/connector/mapping"
	"github.com/ecforce-logiless/connector/salesorder"
)

// MaxCandidatesPerRun bounds one discovery run; the rest is picked up by
// the next run (orders already imported drop out of the candidate set).
const MaxCandidatesPerRun = 1000

// orderImportEcforce is what the order import calls on ecforce.
type orderImportEcforce interface {
	orderStateAPI
	ListOrders(ctx context.Context, q ecforce.OrderQuery, fn func([]ecforce.Order) error) error
	FindOrderByNumber(ctx context.Context, number string) (ecforce.Order, bool, error)
}

// orderImportLogiless is what the order import calls on LOGILESS.
type orderImportLogiless interface {
	salesOrderSearcher
	CreateSalesOrder(ctx context.Context, in logiless.SalesOrderInput) (logiless.SalesOrder, error)
}

// importClients are the shop's clients as the order import sees them.
func importClients(shop *Shop) (orderImportEcforce, orderImportLogiless) {
	return shop.Ecforce, shop.Logiless
}

// OrderImport holds the order import's activities: discovery
// (ListImportCandidates), the sales order (CreateSalesOrder) and the
// "imported" 対応状況 (MarkOrderImported).
type OrderImport struct {
	Shops  *ShopDirectory
	Cache  *OrderCache
	Logger *slog.Logger
}

// Code lookups discovery passes on to ImportOrder.
const (
	LookupFound    = "found"     // the code was in LOGILESS when discovery searched
	LookupNotFound = "not-found" // it was not
)

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
	// Truncated is true when more than MaxCandidatesPerRun were found.
	Truncated bool
	// Disabled is true when a scheduled run found auto-run switched off.
	//
	// Deprecated: see ListImportCandidatesInput.Scheduled.
	Disabled bool
}

// ListImportCandidates lists the shop's ecforce orders in an import state
// created within the look-back window (and, when only orders due today or
// earlier are imported, also those whose 発送予定日 falls due today whatever
// their creation date), keeps the full orders in the worker's cache and asks
// LOGILESS, 100 codes per call, which codes it has already.
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
	ec, ll := importClients(shop)
	now := in.Now.In(ecforce.JST)
	tomorrow := startOfDay(now).AddDate(0, 0, 1)

	queries := []ecforce.OrderQuery{{
		States:        settings.States,
		CreatedFrom:   now.Add(-settings.Lookback),
		CreatedBefore: now.Add(time.Minute),
	}}
	if settings.OnlyDueTodayOrEarlier {
		// An order created long ago may fall due today: find it by date.
		queries = append(queries, ecforce.OrderQuery{
			States:                settings.States,
			ScheduledToShipFrom:   startOfDay(now.Add(-settings.Lookback)),
			ScheduledToShipBefore: tomorrow,
		})
	}

	seen := map[int64]bool{}
	var due []ecforce.Order
	for _, q := range queries {
		err := ec.ListOrders(ctx, q, func(page []ecforce.Order) error {
			activity.RecordHeartbeat(ctx, len(seen))
			for _, o := range page {
				if seen[o.ID] {
					continue
				}
				seen[o.ID] = true
				res.Listed++
				if settings.OnlyDueTodayOrEarlier && !o.ScheduledToBeShippedAt.IsZero() && !o.ScheduledToBeShippedAt.Before(tomorrow) {
					res.NotYetDue++
					continue
				}
				due = append(due, o)
			}
			return nil
		})
		if err != nil && !errors.Is(err, ecforce.ErrPageCapReached) {
			return res, classify(fmt.Sprintf("list ecforce orders of shop %s", in.Shop), err)
		}
		if err != nil {
			a.logger().Warn("order listing hit the page cap; the rest is read by later runs", "shop", in.Shop)
		}
	}
	sort.Slice(due, func(i, j int) bool { return due[i].ID < due[j].ID })
	if len(due) > MaxCandidatesPerRun {
		due, res.Truncated = due[:MaxCandidatesPerRun], true
	}

	codes := make([]string, len(due))
	for i, o := range due {
		codes[i] = o.Number
	}
	existing, err := ll.SearchSalesOrdersByCode(ctx, codes)
	if err != nil {
		return res, classify(fmt.Sprintf("look up %d order codes of shop %s in LOGILESS", len(codes), in.Shop), err)
	}
	inLogiless := make(map[string]bool, len(existing))
	for _, so := range existing {
		inLogiless[so.Code] = true
	}

	table, err := shop.Mapping.Table(ctx)
	if err != nil {
		return res, classify(fmt.Sprintf("load the mapping table of shop %s", in.Shop), err)
	}
	a.Cache.Put(in.Shop, due)
	for _, o := range due {
		c := ImportCandidate{OrderID: o.ID, OrderNumber: o.Number, CodeLookup: LookupNotFound, Unmapped: !mapsEveryLine(table, o)}
		if inLogiless[o.Number] {
			if settings.ImportedState == "" {
				res.AlreadyInLogiless++
				continue
			}
			c.CodeLookup = LookupFound
		}
		res.Candidates = append(res.Candidates, c)
	}
	a.logger().Info("listed import candidates", "shop", in.Shop, "listed", res.Listed,
		"candidates", len(res.Candidates), "not_yet_due", res.NotYetDue, "already_in_logiless", res.AlreadyInLogiless)
	return res, nil
}

// CreateSalesOrderInput asks for the LOGILESS sales order of one ecforce
// order. OrderID may be 0 (a manual import by number); CodeLookup is what
// discovery saw, or "" when nobody looked.
type CreateSalesOrderInput struct {
	Shop        string
	OrderNumber string
	OrderID     int64
	CodeLookup  string
}

// CreateSalesOrderResult says what LOGILESS now holds for the order.
type CreateSalesOrderResult struct {
	OrderID        int64
	SalesOrderID   int64
	SalesOrderCode string
	// Created is false when the code was already in LOGILESS (an earlier
	// attempt, run or manual entry created it): that counts as done.
	Created bool
	Lines   int
	// WaitingForConfirmation is LOGILESS's 確認待ち flag, e.g. an article
	// code its master does not know.
	WaitingForConfirmation bool
	// OrderState is the ecforce 対応状況 the order had when it was read.
	OrderState string
	// ThenSetState is the shop's "imported" 対応状況 ("" = none).
	//
	// Deprecated: read only by runs from before
	// workflows.ShopSwitchesChangeID; newer runs read imported_state from
	// the ShopSwitches step.
	ThenSetState string
}

// CreateSalesOrder maps the order's lines and creates its LOGILESS sales
// order.
//
// Idempotent: LOGILESS order codes are unique per merchant and the code is
// the ecforce 受注番号. Unless discovery has just seen the code missing and
// this is the first attempt, it searches the code first and an existing
// order counts as done; a create that LOGILESS rejects because the code
// exists is confirmed by a search and counts as done too. A create whose
// answer is lost is found by the search of the next attempt.
func (a *OrderImport) CreateSalesOrder(ctx context.Context, in CreateSalesOrderInput) (CreateSalesOrderResult, error) {
	ctx = importPriority(ctx)
	var res CreateSalesOrderResult
	shop, err := a.Shops.Shop(in.Shop)
	if err != nil {
		return res, err
	}
	_, ll := importClients(shop)
	what := fmt.Sprintf("import order %s of shop %s", in.OrderNumber, in.Shop)
	res.ThenSetState = shop.Settings.OrderImport.ImportedState

	order, err := a.loadOrder(ctx, shop, in.OrderID, in.OrderNumber)
	if err != nil {
		return res, classify(what, err)
	}
	res.OrderID, res.OrderState = order.ID, order.State

	table, err := shop.Mapping.Table(ctx)
	if err != nil {
		return res, classify(what, err)
	}
	salesOrder, err := salesorder.Build(order, salesOrderSettings(shop), table)
	if err != nil {
		return res, classify(what, err)
	}
	res.Lines = len(salesOrder.Lines)

	firstAttempt := activity.GetInfo(ctx).Attempt <= 1
	if in.CodeLookup == LookupFound || !(firstAttempt && in.CodeLookup == LookupNotFound) {
		found, ok, err := findSalesOrder(ctx, ll, order.Number)
		if err != nil {
			return res, classify(what, err)
		}
		if ok {
			return fillFromExisting(res, found), nil
		}
	}

	created, err := ll.CreateSalesOrder(ctx, salesOrder)
	if err != nil {
		if logiless.IsDuplicateCode(err) {
			found, ok, ferr := findSalesOrder(ctx, ll, order.Number)
			if ferr == nil && ok {
				return fillFromExisting(res, found), nil
			}
		}
		return res, classify(what, err)
	}
	res.Created = true
	activity.GetMetricsHandler(ctx).WithTags(map[string]string{"shop": in.Shop}).Counter("connector_orders_imported").Inc(1)
	res.SalesOrderID, res.SalesOrderCode = created.ID, created.Code
	res.WaitingForConfirmation = created.WaitingForConfirmation
	a.logger().Info("created LOGILESS sales order", "shop", in.Shop, "order", order.Number,
		"sales_order_id", created.ID, "lines", res.Lines, "waiting_for_confirmation", created.WaitingForConfirmation)
	return res, nil
}

// mapsEveryLine reports whether every line's SKU has a mapping row.
func mapsEveryLine(table *mapping.Table, o ecforce.Order) bool {
	for _, item := range o.Items {
		if _, ok := table.Lookup(item.SKU); !ok {
			return false
		}
	}
	return true
}

func fillFromExisting(res CreateSalesOrderResult, so logiless.SalesOrder) CreateSalesOrderResult {
	res.Created = false
	res.SalesOrderID, res.SalesOrderCode = so.ID, so.Code
	res.WaitingForConfirmation = so.WaitingForConfirmation
	return res
}

// loadOrder takes the order from the discovery cache, or reads it: by id
// when known, else by its number.
func (a *OrderImport) loadOrder(ctx context.Context, shop *Shop, id int64, number string) (ecforce.Order, error) {
	if o, ok := a.Cache.Get(shop.Settings.Code, id); ok {
		return o, nil
	}
	ec, _ := importClients(shop)
	if id != 0 {
		return getOrder(ctx, ec, shop.Settings.Code, id, number)
	}
	o, ok, err := ec.FindOrderByNumber(ctx, number)
	if err != nil {
		return o, err
	}
	if !ok {
		return o, orderNotFound(shop.Settings.Code, 0, number, "check the number (the 10-character 受注番号 of the order list)")
	}
	return o, nil
}

func salesOrderSettings(shop *Shop) salesorder.Settings {
	s := shop.Settings
	return salesorder.Settings{
		StoreID:               s.Logiless.StoreID,
		PaymentMethods:        s.OrderImport.PaymentMethods,
		DefaultPaymentMethod:  s.OrderImport.DefaultPaymentMethod,
		DeliveryMethods:       s.OrderImport.DeliveryMethods,
		DefaultDeliveryMethod: s.OrderImport.DefaultDeliveryMethod,
		MappingFile:           s.MappingFile,
	}
}

// MarkOrderImportedInput asks to set the shop's "imported" 対応状況.
type MarkOrderImportedInput struct {
	Shop        string
	OrderID     int64
	OrderNumber string
	State       string // the target 対応状況 key
	// StateWhenRead is the order's state when CreateSalesOrder read it.
	StateWhenRead string
}

// MarkOrderImportedResult says what happened to the order's state.
type MarkOrderImportedResult struct {
	Changed bool
	// SkippedBecause is set when nothing was written, e.g. the order was
	// already in the target state or has meanwhile left the import states
	// (a cancellation must never be overwritten).
	SkippedBecause string
}

// MarkOrderImported sets the shop's "imported" 対応状況 on the ecforce order.
//
// Idempotent: the write sets an absolute value, and it is skipped when the
// order already has it. Retries re-read the order first, so a state changed
// by someone else meanwhile (a cancellation) is never overwritten.
func (a *OrderImport) MarkOrderImported(ctx context.Context, in MarkOrderImportedInput) (MarkOrderImportedResult, error) {
	ctx = importPriority(ctx)
	var res MarkOrderImportedResult
	shop, err := a.Shops.Shop(in.Shop)
	if err != nil {
		return res, err
	}
	importStates := shop.Settings.OrderImport.States
	res.Changed, res.SkippedBecause, err = setOrderState(ctx, orderStateChange{
		shop: shop, orderID: in.OrderID, orderNumber: in.OrderNumber, target: in.State, stateWhenRead: in.StateWhenRead,
		setting: "order_import.imported_state",
		leaveAlone: func(current string) string {
			if slices.Contains(importStates, current) {
				return ""
			}
			return fmt.Sprintf("order is now in state %q, not an import state; left alone", current)
		},
	})
	return res, err
}

func (a *OrderImport) logger() *slog.Logger {
	if a.Logger != nil {
		return a.Logger
	}
	return slog.Default()
}

func startOfDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}
