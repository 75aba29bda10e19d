package activities

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/ecforce-logiless/connector/config"
	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/ecforcebatch"
	"github.com/ecforce-logiless/connector/logiless"
	"github.com/ecforce-logiless/connector/orderedit"
	"github.com/ecforce-logiless/connector/salesorder"
)

// orderImportEcforce is what the order import calls on ecforce.
type orderImportEcforce interface {
	orderStateAPI
	ListOrders(ctx context.Context, q ecforce.OrderQuery, fn func([]ecforce.Order) error) error
	FindOrderByNumber(ctx context.Context, number string) (ecforce.Order, bool, error)
}

// orderImportLogiless is what the order import calls on LOGILESS.
type orderImportLogiless interface {
	salesOrderSearcher
	SearchSalesOrderFieldsByCode(ctx context.Context, codes []string) ([]logiless.SalesOrderFields, error)
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
	// Batches combines the state reads of concurrent imports of a shop
	// (MarkOrderImported) into bulk reads; nil reads one by one.
	Batches *EcforceBatches
	// StateFreshFor overrides the package's StateFreshFor when positive.
	StateFreshFor time.Duration
	// MaxCandidates and MaxLookups override MaxCandidatesPerRun and
	// MaxLookupsPerRun when positive (tests use small ones).
	MaxCandidates int
	MaxLookups    int
}

// Code lookups discovery passes on to ImportOrder.
const (
	LookupFound    = "found"     // the code was in LOGILESS when discovery searched
	LookupNotFound = "not-found" // it was not
)

// CreateSalesOrderInput asks for the LOGILESS sales order of one ecforce
// order. OrderID may be 0 (a manual import by number); CodeLookup is what
// discovery saw, or "" when nobody looked.
type CreateSalesOrderInput struct {
	Shop        string
	OrderNumber string
	OrderID     int64
	CodeLookup  string
	// IgnoreFilters lets an order outside order_import.states, or not yet
	// due with only_due_today_or_earlier on, be created (starter
	// import-order --ignore-filters). A cancelled order never is.
	IgnoreFilters bool
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
	// OrderState is the ecforce 対応状況 the order had when it was read,
	// at ReadAt (the listing's time for an order the listing handed on).
	OrderState string
	ReadAt     time.Time
	// Sent is orderedit.Fingerprint of the body this attempt created the
	// sales order with; "" when it created nothing. The discovery loop
	// compares it with the order it lists after the 対応状況 write, to tell
	// the connector's own write from an edit.
	Sent string
	// ThenSetState is the shop's "imported" 対応状況 ("" = none).
	//
	// Deprecated: read only by runs from before
	// workflows.ShopSwitchesChangeID; newer runs read imported_state from
	// the ShopSwitches step.
	ThenSetState string
}

// CreateSalesOrder creates the LOGILESS sales order of an ecforce order,
// unless LOGILESS has it already: an order the shop's store holds under its
// code (salesorder.CodeScheme) counts as done whatever its state now; a
// code another store holds fails with OrderCodeTaken. Otherwise the order
// must pass the shop's import filters (never a cancelled order) and map
// every line before anything is created.
//
// Idempotent: LOGILESS order codes are unique per merchant and the code is
// the shop's code of the ecforce 受注番号. Unless discovery has just seen
// the code missing and this is the first attempt, it searches the codes
// first; a create that LOGILESS rejects because the code exists is
// confirmed by a search and counts as done too. A create whose answer is
// lost is found by the search of the next attempt.
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

	order, readAt, err := a.loadOrder(ctx, shop, in.OrderID, in.OrderNumber)
	if err != nil {
		return res, classify(what, err)
	}
	res.OrderID, res.OrderState, res.ReadAt = order.ID, order.State, readAt

	firstAttempt := activity.GetInfo(ctx).Attempt <= 1
	if in.CodeLookup == LookupFound || !(firstAttempt && in.CodeLookup == LookupNotFound) {
		done, err := a.existing(ctx, shop, order, &res)
		if done || err != nil {
			return res, classify(what, err)
		}
	}

	if err := importFilters(shop).Check(order, time.Now(), in.IgnoreFilters); err != nil {
		return res, classify(what, err)
	}
	table, err := shop.Mapping.Table(ctx)
	if err != nil {
		return res, classify(what, err)
	}
	salesOrder, err := salesorder.Build(order, salesOrderSettings(shop), table)
	if err != nil {
		return res, classify(what, err)
	}
	res.Lines = len(salesOrder.Lines)

	created, err := ll.CreateSalesOrder(ctx, salesOrder)
	if err != nil {
		if logiless.IsDuplicateCode(err) {
			if done, ferr := a.existing(ctx, shop, order, &res); done || ferr != nil {
				return res, classify(what, ferr)
			}
		}
		return res, classify(what, err)
	}
	res.Created, res.Sent = true, orderedit.Fingerprint(salesOrder)
	a.stateSinceRead(ctx, shop, order, &res)
	activity.GetMetricsHandler(ctx).WithTags(map[string]string{"shop": in.Shop}).Counter("connector_orders_imported").Inc(1)
	res.SalesOrderID, res.SalesOrderCode = created.ID, created.Code
	res.WaitingForConfirmation = created.WaitingForConfirmation
	a.logger().Info("created LOGILESS sales order", "shop", in.Shop, "order", order.Number, "code", created.Code,
		"sales_order_id", created.ID, "lines", res.Lines, "waiting_for_confirmation", created.WaitingForConfirmation)
	return res, nil
}

// stateSinceRead reads the order's state again after a create from a read
// older than StateFreshFor (the import waited for the LOGILESS budget): an
// order cancelled meanwhile then shows as cancelled in res.OrderState, and
// the workflow cancels the sales order at once (ChangeOrder) instead of
// leaving it to the next sweep. Concurrent reads of the shop go out as one
// bulk read. A failed read is left to the imported-state write, which
// reads again itself, and to the sweep.
func (a *OrderImport) stateSinceRead(ctx context.Context, shop *Shop, order ecforce.Order, res *CreateSalesOrderResult) {
	if time.Since(res.ReadAt) <= a.stateFreshFor() || order.ID == 0 {
		return
	}
	readAt := time.Now()
	now, err := a.stateAPI(shop).GetOrder(ctx, order.ID)
	if err != nil {
		a.logger().Warn("could not read the order's state again after its import; the sweep looks at it", "shop", shop.Settings.Code,
			"order", order.Number, "error", err)
		return
	}
	res.OrderState, res.ReadAt = now.State, readAt
}

// existing looks the order's codes up in LOGILESS. done is true when the
// shop's store holds the order (res is filled from it); a code another
// store holds is a *salesorder.CodeTakenError naming that store and its
// shop, if this worker serves it.
func (a *OrderImport) existing(ctx context.Context, shop *Shop, order ecforce.Order, res *CreateSalesOrderResult) (done bool, err error) {
	_, ll := importClients(shop)
	claim, err := claimSalesOrder(ctx, ll, shop, order.Number)
	if err != nil {
		return false, err
	}
	switch so := claim.SalesOrder; claim.Status {
	case salesorder.CodeOurs:
		res.Created = false
		res.SalesOrderID, res.SalesOrderCode = so.ID, so.Code
		res.WaitingForConfirmation = so.WaitingForConfirmation
		res.Lines = len(order.Items)
		return true, nil
	case salesorder.CodeTaken:
		l := shop.Settings.Logiless
		return false, &salesorder.CodeTakenError{OrderNumber: order.Number, Code: so.Code, Store: l.StoreID,
			OtherStore: so.StoreID, OtherStoreName: so.StoreName, OtherShop: a.Shops.OnStore(l.MerchantID, so.StoreID)}
	}
	return false, nil
}

// loadOrder takes the order from the discovery cache, or reads it: by id
// when known, else by its number.
func (a *OrderImport) loadOrder(ctx context.Context, shop *Shop, id int64, number string) (o ecforce.Order, readAt time.Time, err error) {
	if o, at, ok := a.Cache.GetRead(shop.Settings.Code, id); ok {
		return o, at, nil
	}
	readAt = time.Now()
	o, err = a.readOrder(ctx, shop, id, number)
	return o, readAt, err
}

// readOrder reads the order from ecforce as it is now (never the
// discovery cache: an edit or a change must see the latest write): by id
// when known, else by its number.
func (a *OrderImport) readOrder(ctx context.Context, shop *Shop, id int64, number string) (ecforce.Order, error) {
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
		MappingFile:           mappingName(s),
		MatchProductNumber:    s.MappingMatch == config.MatchProductNumber,
		Codes:                 shopCodes(shop),
	}
}

// MarkOrderImportedInput asks to set the shop's "imported" 対応状況.
type MarkOrderImportedInput struct {
	Shop        string
	OrderID     int64
	OrderNumber string
	State       string // the target 対応状況 key
	// StateWhenRead is the order's state when CreateSalesOrder read it,
	// at ReadAt (zero: unknown, read again).
	StateWhenRead string
	ReadAt        time.Time
}

// StateFreshFor is how old a read of the order's state may be for the
// imported 対応状況 to be written without reading it again: ecforce has no
// conditional write, so this bounds the time in which a cancellation made
// meanwhile could be overwritten. An import that waited longer for the
// LOGILESS budget reads the state again first (concurrent imports of the
// shop in one bulk read).
const StateFreshFor = 30 * time.Second

// stateFreshFor is the worker's StateFreshFor (tests set a shorter one).
func (a *OrderImport) stateFreshFor() time.Duration {
	return positiveOr(a.StateFreshFor, StateFreshFor)
}

// MarkOrderImportedResult says what happened to the order's state.
type MarkOrderImportedResult struct {
	Changed bool
	// SkippedBecause is set when nothing was written, e.g. the order was
	// already in the target state or has meanwhile left the import states
	// (a cancellation must never be overwritten).
	SkippedBecause string
	// Canceled: the order was found キャンセル (canceled) instead; its sales
	// order must be cancelled too.
	Canceled bool
}

// MarkOrderImported sets the shop's "imported" 対応状況 on the ecforce order.
//
// Idempotent: the write sets an absolute value, and it is skipped when the
// order already has it. Retries read the order first, and so does a first
// attempt whose latest known state (the import's read, or a later listing
// this worker holds) is older than StateFreshFor, so a state changed by
// someone else meanwhile (a cancellation) is not overwritten.
func (a *OrderImport) MarkOrderImported(ctx context.Context, in MarkOrderImportedInput) (MarkOrderImportedResult, error) {
	ctx = importPriority(ctx)
	var res MarkOrderImportedResult
	shop, err := a.Shops.Shop(in.Shop)
	if err != nil {
		return res, err
	}
	importStates := shop.Settings.OrderImport.States
	// The latest state known: a listing since the import read the order
	// (the cache holds the latest listing), else the import's own read; one
	// older than StateFreshFor is read again. A retry reads it anyway.
	stateWhenRead, readAt := in.StateWhenRead, in.ReadAt
	if o, at, ok := a.Cache.GetRead(shop.Settings.Code, in.OrderID); ok && o.State != "" && at.After(readAt) {
		stateWhenRead, readAt = o.State, at
	}
	if readAt.IsZero() || time.Since(readAt) > a.stateFreshFor() {
		stateWhenRead = ""
	}
	res.Changed, res.SkippedBecause, err = setOrderState(ctx, orderStateChange{
		api:  a.stateAPI(shop),
		shop: shop, orderID: in.OrderID, orderNumber: in.OrderNumber, target: in.State, stateWhenRead: stateWhenRead,
		setting: "order_import.imported_state",
		leaveAlone: func(current string) string {
			if slices.Contains(importStates, current) {
				return ""
			}
			res.Canceled = current == salesorder.StateCanceled
			return fmt.Sprintf("order is now in state %q, not an import state; left alone", current)
		},
	})
	return res, err
}

// batchedStateReads is the shop's ecforce client whose order reads go
// through the shop's batching layer; its writes are the client's own (the
// single PUT's answer verifies the state).
type batchedStateReads struct {
	orderStateAPI
	b *ecforcebatch.Client
}

func (r batchedStateReads) GetOrder(ctx context.Context, id int64) (ecforce.Order, error) {
	return r.b.GetOrder(ctx, id)
}

// stateAPI is the shop's ecforce client as the imports' state reads and
// writes use it: reads through the shop's batching layer when the worker
// batches.
func (a *OrderImport) stateAPI(shop *Shop) orderStateAPI {
	if b := a.Batches.layer(shop); b != nil {
		return batchedStateReads{shop.Ecforce, b}
	}
	return shop.Ecforce
}

func (a *OrderImport) logger() *slog.Logger {
	if a.Logger != nil {
		return a.Logger
	}
	return slog.Default()
}
