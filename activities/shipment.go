package activities

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/httpapi"
	"github.com/ecforce-logiless/connector/logiless"
)

// MaxShipmentsPerRun bounds the notifications one discovery starts; the
// rest is picked up by the next run (orders ecforce already has are not
// candidates, so they never crowd out new ones).
const MaxShipmentsPerRun = 1000

// Defaults of the capture wait (ShipmentNotification's zero values).
const (
	DefaultCapturePoll          = time.Second
	DefaultCapturePollMax       = 15 * time.Second
	DefaultCaptureSettleTimeout = 30 * time.Minute
	DefaultCarrierListTTL       = time.Hour
)

// ShipmentNotification holds the activities of 出荷通知: LOGILESS shipments
// reported to ecforce (ship date, tracking numbers, carrier), then, each
// only if the shop enables it, 売上処理 and a 対応状況 change.
type ShipmentNotification struct {
	Shops  *ShopDirectory
	Cache  *ShipmentCache
	Logger *slog.Logger

	// CapturePoll is the first wait between payment_state reads while a
	// capture settles; it doubles up to CapturePollMax.
	CapturePoll    time.Duration
	CapturePollMax time.Duration
	// CaptureSettleTimeout is how long a requested capture may leave
	// payment_state unchanged before it is reported as unconfirmed (and
	// never requested again).
	CaptureSettleTimeout time.Duration
	// CarrierListTTL is how long a shop's /admin/shipping_carriers list is
	// reused.
	CarrierListTTL time.Duration

	carriersMu sync.Mutex
	carriers   map[string]*carrierList // by shop
}

type carrierList struct {
	mu        sync.Mutex
	carriers  []ecforce.ShippingCarrier
	fetchedAt time.Time
}

// Shipment is what LOGILESS shipped for one sales order: every tracking
// number of its outbound deliveries, the finish time of the last parcel and
// the delivery method. It holds no personal data.
type Shipment struct {
	SalesOrderID    int64
	Code            string
	TrackingNumbers []string
	// ShippedAt is the latest finished_at of the order's deliveries (JST).
	ShippedAt      time.Time
	DeliveryMethod string
	Parcels        int
}

// Slip is the value for ecforce's shipping_slip: every tracking number,
// joined with the shop's separator.
func (s Shipment) Slip(separator string) string {
	return strings.Join(s.TrackingNumbers, separator)
}

// EcforceShipping is the shipping, payment and 対応状況 state of one ecforce
// order as read (no personal data).
type EcforceShipping struct {
	OrderID           int64
	Number            string
	State             string
	PaymentState      string
	PaymentMethodName string
	ShippingSlip      string
	ShippedAt         time.Time
	CarrierID         int64
}

func ecforceShipping(o ecforce.Order) EcforceShipping {
	return EcforceShipping{
		OrderID:           o.ID,
		Number:            o.Number,
		State:             o.State,
		PaymentState:      o.PaymentState,
		PaymentMethodName: o.PaymentMethodName,
		ShippingSlip:      o.ShippingSlip,
		ShippedAt:         o.ShippedAt.Time,
		CarrierID:         o.ShippingCarrierID,
	}
}

// hasShipping reports whether ecforce already has this slip and ship date
// (same calendar day in JST: ecforce's 発送日 is a day to the people who
// read it) and, when one is given, this carrier.
func (e EcforceShipping) hasShipping(slip string, shippedAt time.Time, carrierID int64) bool {
	return e.ShippingSlip == slip && !e.ShippedAt.IsZero() && sameJSTDay(e.ShippedAt, shippedAt) &&
		(carrierID == 0 || e.CarrierID == carrierID)
}

func sameJSTDay(a, b time.Time) bool {
	ay, am, ad := a.In(ecforce.JST).Date()
	by, bm, bd := b.In(ecforce.JST).Date()
	return ay == by && am == bm && ad == bd
}

// --- discovery ---------------------------------------------------------------

// ListShipmentCandidatesInput asks for one shop's shipped orders as of Now.
type ListShipmentCandidatesInput struct {
	Shop string
	// Now is the workflow's time, so the window is recorded in history.
	Now time.Time
	// Scheduled is true when a Temporal Schedule started the run; a shop
	// whose 出荷通知を自動実行 is off then notifies nothing.
	//
	// Deprecated: set only by runs from before workflows.ShopSwitchesChangeID;
	// newer runs decide with the ShopSwitches step and leave it false.
	Scheduled bool
	// Lookback overrides the shop's shipment_notification.lookback (0 =
	// the setting), e.g. after a worker outage longer than the setting.
	Lookback time.Duration
}

// ShipmentCandidate is one shipped order to notify. It carries no personal
// data; what discovery read waits in the worker's ShipmentCache.
type ShipmentCandidate struct {
	OrderNumber  string // LOGILESS code = ecforce 受注番号
	SalesOrderID int64  // LOGILESS id
}

// ListShipmentCandidatesResult is what one discovery listing found.
type ListShipmentCandidatesResult struct {
	Candidates []ShipmentCandidate
	// From is the start of the window (updated_at, JST).
	From time.Time
	// Listed counts the store's Shipped LOGILESS orders in the window.
	Listed int
	// AlreadyInEcforce counts orders whose slip and ship date (and, when
	// enabled, capture and 対応状況) ecforce already has.
	AlreadyInEcforce int
	// WaitingForOperator counts orders whose shipping is in ecforce but
	// whose capture failed: a person must fix the payment in ecforce first
	// (see README); the next discovery after the fix notifies them.
	WaitingForOperator int
	// NotInEcforce counts codes ecforce has no order for (e.g. orders
	// entered in LOGILESS by hand); they are logged and left alone.
	NotInEcforce int
	// Truncated is true when more than MaxShipmentsPerRun candidates were
	// found or the listing stopped at its page cap; later runs go on.
	Truncated bool
	// Disabled is true when a scheduled run found auto-run switched off.
	//
	// Deprecated: see ListShipmentCandidatesInput.Scheduled.
	Disabled bool
}

// ListShipmentCandidates lists the LOGILESS sales orders of the shop's store
// that are Shipped (every parcel: PartlyShipped orders wait) and were
// updated within the look-back window, looks their codes up in ecforce (100
// per call) and keeps what it read in the worker's cache. Orders ecforce
// already has in full are counted, not returned.
//
// Idempotent: it only reads.
func (a *ShipmentNotification) ListShipmentCandidates(ctx context.Context, in ListShipmentCandidatesInput) (ListShipmentCandidatesResult, error) {
	var res ListShipmentCandidatesResult
	shop, err := a.Shops.Shop(in.Shop)
	if err != nil {
		return res, err
	}
	settings := shop.Settings.ShipmentNotification
	if in.Scheduled && !settings.AutoRun {
		res.Disabled = true
		return res, nil
	}
	lookback := settings.Lookback
	if in.Lookback > 0 {
		lookback = in.Lookback
	}
	res.From = in.Now.Add(-lookback).In(ecforce.JST)
	storeID := shop.Settings.Logiless.StoreID

	var shipped []logiless.SalesOrder
	seen := map[string]bool{}
	err = shop.Logiless.ListSalesOrders(ctx, logiless.SalesOrderQuery{
		DocumentStatuses: []string{logiless.DocumentStatusShipped},
		Store:            storeID,
		UpdatedFrom:      res.From,
	}, func(page []logiless.SalesOrder) error {
		activity.RecordHeartbeat(ctx, len(shipped))
		for _, so := range page {
			// Defensive: the filters are the API's; check them again.
			if so.DocumentStatus != logiless.DocumentStatusShipped || (so.StoreID != 0 && so.StoreID != storeID) || seen[so.Code] {
				continue
			}
			seen[so.Code] = true
			shipped = append(shipped, so)
		}
		return nil
	})
	switch {
	case errors.Is(err, logiless.ErrPageCapReached):
		res.Truncated = true
		a.logger().Warn("shipped order listing hit the page cap; the rest is read by later runs", "shop", in.Shop)
	case err != nil:
		return res, classify(fmt.Sprintf("list shipped LOGILESS orders of store %d (shop %s)", storeID, in.Shop), err)
	}
	res.Listed = len(shipped)
	sort.Slice(shipped, func(i, j int) bool { return shipped[i].ID < shipped[j].ID })

	codes := make([]string, len(shipped))
	for i, so := range shipped {
		codes[i] = so.Code
	}
	inEcforce, err := a.lookUpOrders(ctx, shop, codes)
	if err != nil {
		return res, err
	}

	var missing, waiting []string
	for _, so := range shipped {
		current, ok := inEcforce[so.Code]
		if !ok {
			res.NotInEcforce++
			missing = append(missing, so.Code)
			continue
		}
		shipment, serr := shipmentOf(so)
		if serr == nil {
			slip := shipment.Slip(settings.TrackingNumberSeparator)
			if current.hasShipping(slip, shipment.ShippedAt, 0) {
				payment := classifyPayment(current.PaymentState, current.PaymentMethodName)
				switch {
				case settings.WithSales && payment.kind == paymentFailed:
					res.WaitingForOperator++
					waiting = append(waiting, so.Code)
					continue
				case (!settings.WithSales || payment.settled()) &&
					(settings.StatusAfter == "" || current.State == settings.StatusAfter):
					res.AlreadyInEcforce++
					continue
				}
			}
		}
		// An order whose shipment cannot be read (serr) is a candidate
		// all the same: its notification fails with the reason, visibly.
		// The cap applies after the orders ecforce already has are
		// dropped, so a busy day never hides its newest shipments.
		if len(res.Candidates) >= MaxShipmentsPerRun {
			res.Truncated = true
			continue
		}
		if serr == nil {
			a.Cache.put(in.Shop, so.Code, &shipment, &current)
		}
		res.Candidates = append(res.Candidates, ShipmentCandidate{OrderNumber: so.Code, SalesOrderID: so.ID})
	}
	if len(missing) > 0 {
		a.logger().Warn("shipped LOGILESS orders that ecforce does not have; left alone",
			"shop", in.Shop, "count", len(missing), "codes", strings.Join(missing[:min(len(missing), 20)], ","))
	}
	if len(waiting) > 0 {
		a.logger().Warn("shipped orders whose capture failed wait for an operator to fix the payment in ecforce",
			"shop", in.Shop, "count", len(waiting), "codes", strings.Join(waiting[:min(len(waiting), 20)], ","))
	}
	a.logger().Info("listed shipment candidates", "shop", in.Shop, "from", res.From, "listed", res.Listed,
		"candidates", len(res.Candidates), "already_in_ecforce", res.AlreadyInEcforce,
		"waiting_for_operator", res.WaitingForOperator, "not_in_ecforce", res.NotInEcforce)
	return res, nil
}

// lookUpOrders reads the ecforce orders with these numbers, 100 per call.
func (a *ShipmentNotification) lookUpOrders(ctx context.Context, shop *Shop, numbers []string) (map[string]EcforceShipping, error) {
	out := make(map[string]EcforceShipping, len(numbers))
	for start := 0; start < len(numbers); start += 100 {
		batch := numbers[start:min(start+100, len(numbers))]
		want := make(map[string]bool, len(batch))
		for _, n := range batch {
			want[n] = true
		}
		var foreign string
		err := shop.Ecforce.ListOrders(ctx, ecforce.OrderQuery{Numbers: batch, Per: 100, MaxPages: 2}, func(page []ecforce.Order) error {
			for _, o := range page {
				if !want[o.Number] {
					foreign = o.Number
					continue
				}
				out[o.Number] = ecforceShipping(o)
			}
			return nil
		})
		what := fmt.Sprintf("look up %d shipped orders (%s…) in ecforce shop %s", len(batch), batch[0], shop.Settings.Code)
		if err != nil {
			return nil, classify(what, err)
		}
		if foreign != "" {
			// Treating the batch as "not in ecforce" would silently drop
			// notifications; stop instead.
			return nil, nonRetryable(ErrTypeEcforceRejected, fmt.Errorf("%s: ecforce ignored the q[number_in] filter and returned order %s; the API may have changed, so orders cannot be looked up safely", what, foreign))
		}
		activity.RecordHeartbeat(ctx, start)
	}
	return out, nil
}

// shipmentOf reads the shipment of a sales order: every tracking number of
// its shipped outbound deliveries (in delivery order, without repeats), the
// latest finish time and the first delivery's method. An order that is not
// fully shipped is a non-retryable error of type ErrTypeNotShipped.
func shipmentOf(so logiless.SalesOrder) (Shipment, error) {
	s := Shipment{SalesOrderID: so.ID, Code: so.Code}
	notYet := func(format string, args ...any) (Shipment, error) {
		return s, nonRetryable(ErrTypeNotShipped, fmt.Errorf("LOGILESS sales order %s (id %d) "+format, append([]any{so.Code, so.ID}, args...)...))
	}
	switch so.DocumentStatus {
	case logiless.DocumentStatusShipped:
	case logiless.DocumentStatusCancel:
		return notYet("is cancelled in LOGILESS: nothing was shipped, so nothing is reported to ecforce")
	default:
		return notYet("is not shipped yet (document_status %s, delivery_status %s); the notification runs once every parcel has shipped (PartlyShipped orders wait), and the next discovery after that starts it",
			so.DocumentStatus, so.DeliveryStatus)
	}
	deliveries := slices.Clone(so.OutboundDeliveries)
	sort.SliceStable(deliveries, func(i, j int) bool { return deliveries[i].ID < deliveries[j].ID })
	seen := map[string]bool{}
	for _, d := range deliveries {
		if d.DeliveryStatus == logiless.DeliveryStatusCancel || d.DocumentStatus == logiless.DocumentStatusCancel {
			continue
		}
		if d.DeliveryStatus != logiless.DeliveryStatusShipped && d.DocumentStatus != logiless.DocumentStatusShipped {
			return notYet("has outbound delivery %s still %s; the notification waits until every parcel has shipped", d.Code, firstNonEmpty(d.DeliveryStatus, d.DocumentStatus))
		}
		s.Parcels++
		if s.DeliveryMethod == "" {
			s.DeliveryMethod = d.DeliveryMethod
		}
		if d.FinishedAt.After(s.ShippedAt) {
			s.ShippedAt = d.FinishedAt
		}
		for _, n := range d.TrackingNumbers {
			if n = strings.TrimSpace(n); n != "" && !seen[n] {
				seen[n] = true
				s.TrackingNumbers = append(s.TrackingNumbers, n)
			}
		}
	}
	if len(s.TrackingNumbers) == 0 && strings.TrimSpace(so.DeliveryTrackingNumber) != "" {
		s.TrackingNumbers = []string{strings.TrimSpace(so.DeliveryTrackingNumber)}
	}
	if s.ShippedAt.IsZero() {
		s.ShippedAt = so.FinishedAt
	}
	if s.ShippedAt.IsZero() {
		return notYet("is Shipped but LOGILESS gave no finished_at for it or its deliveries, so there is no ship date to report; check the order in LOGILESS")
	}
	s.ShippedAt = s.ShippedAt.In(ecforce.JST)
	return s, nil
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// --- prepare -----------------------------------------------------------------

// PrepareShipmentInput names one shipped order. SalesOrderID is 0 for a
// manual run by number.
type PrepareShipmentInput struct {
	Shop         string
	OrderNumber  string
	SalesOrderID int64
}

// PrepareShipmentResult is what to write to ecforce, what ecforce has now,
// and which optional steps the shop's settings ask for.
type PrepareShipmentResult struct {
	OrderID      int64 // ecforce 受注ID
	SalesOrderID int64
	// ShippingSlip is every tracking number joined with the shop's
	// tracking_number_separator ("" when LOGILESS has none).
	ShippingSlip    string
	TrackingNumbers int
	Parcels         int
	// ShippedAt is the finish time of the last parcel, in JST.
	ShippedAt      time.Time
	DeliveryMethod string
	// CarrierID is the ecforce 配送業者 for DeliveryMethod (0 = none: the
	// order's carrier is left as is).
	CarrierID   int64
	CarrierName string
	// Current is the ecforce order as read now.
	Current EcforceShipping
	// WithSales and StatusAfter are the shop's settings at this run.
	//
	// Deprecated: read only by runs from before
	// workflows.ShopSwitchesChangeID; newer runs read them from the
	// ShopSwitches step.
	WithSales   bool
	StatusAfter string
}

// PrepareShipment reads the shipment from LOGILESS and the order from
// ecforce (from the discovery's cache when it has them), and resolves the
// ecforce carrier of the delivery method.
//
// Idempotent: it only reads.
func (a *ShipmentNotification) PrepareShipment(ctx context.Context, in PrepareShipmentInput) (PrepareShipmentResult, error) {
	var res PrepareShipmentResult
	shop, err := a.Shops.Shop(in.Shop)
	if err != nil {
		return res, err
	}
	settings := shop.Settings.ShipmentNotification
	what := fmt.Sprintf("prepare the shipment notification of order %s of shop %s", in.OrderNumber, in.Shop)
	res.WithSales, res.StatusAfter = settings.WithSales, settings.StatusAfter

	// The discovery's reads are used once: a retry, or a later run (say
	// `starter notify-shipment --force`), reads afresh.
	cached, hit := a.Cache.take(in.Shop, in.OrderNumber)
	if activity.GetInfo(ctx).Attempt > 1 {
		hit = false
	}
	var shipment Shipment
	if hit && cached.shipment != nil {
		shipment = *cached.shipment
	} else {
		so, err := a.readSalesOrder(ctx, shop, in.OrderNumber, in.SalesOrderID)
		if err != nil {
			return res, classify(what, err)
		}
		if shipment, err = shipmentOf(so); err != nil {
			return res, err
		}
	}
	var current EcforceShipping
	if hit && cached.ecforce != nil {
		current = *cached.ecforce
	} else {
		o, found, err := shop.Ecforce.FindOrderByNumber(ctx, in.OrderNumber)
		if err != nil {
			return res, classify(what, err)
		}
		if !found {
			return res, nonRetryable(ErrTypeOrderNotFound, fmt.Errorf("%s: ecforce has no order with 受注番号 %s, although LOGILESS shipped it; if the order was entered in LOGILESS by hand there is nothing to notify", what, in.OrderNumber))
		}
		current = ecforceShipping(o)
	}

	res.OrderID, res.SalesOrderID, res.Current = current.OrderID, shipment.SalesOrderID, current
	res.ShippingSlip = shipment.Slip(settings.TrackingNumberSeparator)
	res.TrackingNumbers, res.Parcels = len(shipment.TrackingNumbers), shipment.Parcels
	res.ShippedAt, res.DeliveryMethod = shipment.ShippedAt, shipment.DeliveryMethod
	res.CarrierID, res.CarrierName, err = a.resolveCarrier(ctx, shop, in.OrderNumber, shipment.DeliveryMethod, current.CarrierID)
	if err != nil {
		return res, err
	}
	return res, nil
}

// readSalesOrder reads the LOGILESS sales order by id, or by its code when
// the id is unknown, and checks that it belongs to the shop's store.
func (a *ShipmentNotification) readSalesOrder(ctx context.Context, shop *Shop, code string, id int64) (logiless.SalesOrder, error) {
	var so logiless.SalesOrder
	if id != 0 {
		var err error
		if so, err = shop.Logiless.GetSalesOrder(ctx, id); err != nil {
			return so, err
		}
		if so.Code != code {
			return so, nonRetryable(ErrTypeOrderNotFound, fmt.Errorf("LOGILESS sales order id %d has code %q, not %q; start the notification by order number only", id, so.Code, code))
		}
	} else {
		found, ok, err := findSalesOrder(ctx, shop.Logiless, code)
		if err != nil {
			return so, err
		}
		if !ok {
			return so, nonRetryable(ErrTypeOrderNotFound, fmt.Errorf("LOGILESS has no sales order with code %s: check the 受注番号 (it is the LOGILESS 受注コード)", code))
		}
		so = found
	}
	if store := shop.Settings.Logiless.StoreID; so.StoreID != 0 && so.StoreID != store {
		return so, nonRetryable(ErrTypeOrderNotFound, fmt.Errorf("LOGILESS sales order %s belongs to store %d, not to store %d of shop %s", code, so.StoreID, store, shop.Settings.Code))
	}
	return so, nil
}

// carrierKeywords are the ecforce 配送業者 names a LOGILESS delivery method
// is matched against when neither shipment_notification.carriers nor
// order_import.delivery_methods names its carrier.
var carrierKeywords = map[string][]string{
	"yamato":            {"ヤマト", "クロネコ"},
	"yamato_compact":    {"ヤマト", "クロネコ"},
	"yamato_nekoposu":   {"ヤマト", "クロネコ"},
	"yamato_taqbin":     {"ヤマト", "クロネコ"},
	"sagawa":            {"佐川"},
	"you_pack":          {"日本郵便", "ゆうパック", "郵便"},
	"yu_packet":         {"日本郵便", "ゆうパケット", "郵便"},
	"yu_mail":           {"日本郵便", "ゆうメール", "郵便"},
	"click_post":        {"日本郵便", "クリックポスト", "郵便"},
	"letter_pack_light": {"日本郵便", "レターパック", "郵便"},
	"letter_pack_plus":  {"日本郵便", "レターパック", "郵便"},
	"seino":             {"西濃"},
	"fukutsu":           {"福山"},
}

// resolveCarrier finds the ecforce 配送業者 of a LOGILESS delivery method:
// shipment_notification.carriers first; else, in the shop's
// /admin/shipping_carriers, the carrier that order_import.delivery_methods
// maps to this method, else one whose name matches the method's carrier.
// Several matches prefer the order's current carrier. No method: 0 (the
// order's carrier stays). No match: a non-retryable ErrTypeUnmappedCarrier.
func (a *ShipmentNotification) resolveCarrier(ctx context.Context, shop *Shop, orderNumber, method string, current int64) (int64, string, error) {
	if method == "" {
		return 0, "", nil
	}
	if id := shop.Settings.ShipmentNotification.Carriers[method]; id > 0 {
		return id, "", nil
	}
	carriers, err := a.shippingCarriers(ctx, shop)
	if err != nil {
		return 0, "", classify(fmt.Sprintf("list the shipping carriers of shop %s", shop.Settings.Code), err)
	}
	var names []string
	for name, m := range shop.Settings.OrderImport.DeliveryMethods {
		if m == method {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	pick := func(match func(ecforce.ShippingCarrier) bool) (ecforce.ShippingCarrier, bool) {
		var found []ecforce.ShippingCarrier
		for _, c := range carriers {
			if match(c) {
				found = append(found, c)
			}
		}
		if len(found) == 0 {
			return ecforce.ShippingCarrier{}, false
		}
		for _, c := range found {
			if c.ID == current {
				return c, true
			}
		}
		for _, c := range found {
			if c.State != "inactive" {
				return c, true
			}
		}
		return found[0], true
	}
	if c, ok := pick(func(c ecforce.ShippingCarrier) bool { return slices.Contains(names, strings.TrimSpace(c.Name)) }); ok {
		return c.ID, c.Name, nil
	}
	if keys := carrierKeywords[method]; len(keys) > 0 {
		for _, k := range keys {
			if c, ok := pick(func(c ecforce.ShippingCarrier) bool { return strings.Contains(c.Name, k) }); ok {
				return c.ID, c.Name, nil
			}
		}
	}
	known := make([]string, 0, len(carriers))
	for _, c := range carriers {
		known = append(known, fmt.Sprintf("%d %s", c.ID, c.Name))
	}
	return 0, "", nonRetryable(ErrTypeUnmappedCarrier, fmt.Errorf(
		"order %s of shop %s: LOGILESS delivery method %q matches no ecforce 配送業者 (the shop has: %s); add `%s: <shipping_carrier_id>` under shipment_notification.carriers in the shops file and restart the worker; the next discovery notifies the order",
		orderNumber, shop.Settings.Code, method, strings.Join(known, ", "), method))
}

// shippingCarriers returns the shop's carriers, read at most once per
// CarrierListTTL (concurrent notifications of one shop share one read).
func (a *ShipmentNotification) shippingCarriers(ctx context.Context, shop *Shop) ([]ecforce.ShippingCarrier, error) {
	ttl := a.CarrierListTTL
	if ttl <= 0 {
		ttl = DefaultCarrierListTTL
	}
	code := shop.Settings.Code
	a.carriersMu.Lock()
	if a.carriers == nil {
		a.carriers = map[string]*carrierList{}
	}
	entry, ok := a.carriers[code]
	if !ok {
		entry = &carrierList{}
		a.carriers[code] = entry
	}
	a.carriersMu.Unlock()

	entry.mu.Lock()
	defer entry.mu.Unlock()
	if !entry.fetchedAt.IsZero() && time.Since(entry.fetchedAt) < ttl {
		return entry.carriers, nil
	}
	list, err := shop.Ecforce.ListShippingCarriers(ctx)
	if err != nil {
		return nil, err
	}
	entry.carriers, entry.fetchedAt = list, time.Now()
	return list, nil
}

// --- update shipping ---------------------------------------------------------

// UpdateShippingInput is the shipping result to write to one ecforce order.
type UpdateShippingInput struct {
	Shop         string
	OrderNumber  string
	OrderID      int64
	ShippingSlip string
	ShippedAt    time.Time
	CarrierID    int64 // 0 = leave the order's carrier alone
	// Current is the order as PrepareShipment read it; only the first
	// attempt trusts it, retries read the order again.
	Current EcforceShipping
}

// UpdateShippingResult says whether the shipping was written.
type UpdateShippingResult struct {
	Written bool
	// SkippedBecause is set when ecforce already had slip and date.
	SkippedBecause string
	// ConfirmedByReading is true when ecforce's answer was lost or an error
	// but reading the order showed the write had been applied.
	ConfirmedByReading bool
}

// UpdateShipping writes slip, ship date and carrier through ecforce's
// shipping endpoint with with_sale=0 (sales processing is its own step).
//
// Idempotent: it reads the order first (after the first attempt) and skips
// the write when ecforce already has the same slip and ship date, and the
// write sets absolute values. A write whose answer is lost (5xx, dropped
// connection) is checked by reading the order at once, so an applied write
// is never sent again.
func (a *ShipmentNotification) UpdateShipping(ctx context.Context, in UpdateShippingInput) (UpdateShippingResult, error) {
	var res UpdateShippingResult
	shop, err := a.Shops.Shop(in.Shop)
	if err != nil {
		return res, err
	}
	what := fmt.Sprintf("update the shipping (slip %q, ship date %s) of order %s of shop %s",
		in.ShippingSlip, in.ShippedAt.In(ecforce.JST).Format("2006-01-02"), in.OrderNumber, in.Shop)
	current := in.Current
	if activity.GetInfo(ctx).Attempt > 1 || current.OrderID != in.OrderID {
		if current, err = a.readOrder(ctx, shop, in.OrderID, in.OrderNumber); err != nil {
			return res, classify(what, err)
		}
	}
	if current.hasShipping(in.ShippingSlip, in.ShippedAt, in.CarrierID) {
		res.SkippedBecause = "ecforce already has this slip and ship date"
		return res, nil
	}

	bulk, err := shop.Ecforce.UpdateShipping(ctx, []ecforce.ShippingUpdate{{
		OrderID:           in.OrderID,
		ShippingSlip:      in.ShippingSlip,
		ShippingCarrierID: in.CarrierID,
		ShippedAt:         in.ShippedAt,
	}}, false)
	if err != nil {
		if mayHaveApplied(err) {
			if after, rerr := a.readOrder(ctx, shop, in.OrderID, in.OrderNumber); rerr == nil && after.hasShipping(in.ShippingSlip, in.ShippedAt, in.CarrierID) {
				a.logger().Warn("ecforce's answer to the shipping update was an error, but the order shows it applied",
					"shop", in.Shop, "order", in.OrderNumber, "error", err.Error())
				res.Written, res.ConfirmedByReading = true, true
				countShipment(ctx, in.Shop, "shipping")
				return res, nil
			}
		}
		return res, classify(what, err)
	}
	id := strconv.FormatInt(in.OrderID, 10)
	if be, failed := bulk.ErrorFor(id); failed || slices.Contains(bulk.Failure, id) {
		reason := "no reason given"
		if failed {
			reason = be.Error()
		}
		return res, nonRetryable(ErrTypeShippingRejected, fmt.Errorf(
			"%s: ecforce refused it for order %s (id %d): %s; fix the order or the setting ecforce names (an unknown shipping_carrier_id needs shipment_notification.carriers), then re-run the notification",
			what, in.OrderNumber, in.OrderID, reason))
	}
	if !bulk.Succeeded(id) {
		// A 200 without our record: re-read on retry and decide then.
		return res, temporal.NewApplicationError(fmt.Sprintf("%s: ecforce answered 200 without listing order id %d as success or failure; the next attempt reads the order and writes only if needed", what, in.OrderID), ErrTypeTransient)
	}
	res.Written = true
	countShipment(ctx, in.Shop, "shipping")
	a.logger().Info("shipping written to ecforce", "shop", in.Shop, "order", in.OrderNumber,
		"shipped_at", in.ShippedAt.In(ecforce.JST).Format(time.DateTime), "carrier_id", in.CarrierID)
	return res, nil
}

// readOrder reads an ecforce order's shipping and payment state by id.
func (a *ShipmentNotification) readOrder(ctx context.Context, shop *Shop, id int64, number string) (EcforceShipping, error) {
	o, err := shop.Ecforce.GetOrder(ctx, id)
	if errors.Is(err, ecforce.ErrNotFound) {
		return EcforceShipping{}, nonRetryable(ErrTypeOrderNotFound, fmt.Errorf("ecforce has no order with id %d (受注番号 %s) in shop %s any more: it was deleted", id, number, shop.Settings.Code))
	}
	if err != nil {
		return EcforceShipping{}, err
	}
	return ecforceShipping(o), nil
}

// mayHaveApplied reports whether a failed write may have been applied all
// the same: a 5xx or 408 answer, or no answer at all. A 429 or other 4xx is
// a refusal before anything was done.
func mayHaveApplied(err error) bool {
	var se *httpapi.StatusError
	if errors.As(err, &se) {
		return se.StatusCode >= 500 || se.StatusCode == http.StatusRequestTimeout
	}
	return httpapi.Retryable(err)
}

// --- capture -----------------------------------------------------------------

type paymentKind int

const (
	paymentUnknown       paymentKind = iota
	paymentCaptured                  // completed: 売上完了
	paymentNoCapture                 // COD, prepaid, no payment
	paymentCapturable                // authed: 仮売上
	paymentExamPending               // deferred payment still in credit check
	paymentFailed                    // a failure only a person can resolve
	paymentNotCapturable             // voided and the like
)

type paymentClass struct {
	kind   paymentKind
	reason string
}

func (p paymentClass) settled() bool { return p.kind == paymentCaptured || p.kind == paymentNoCapture }

// classifyPayment sorts an ecforce payment_state (ecforce-api.md §3.3).
func classifyPayment(state, methodName string) paymentClass {
	switch state {
	case "completed", "captured":
		return paymentClass{paymentCaptured, "already captured (payment_state " + state + ")"}
	case "cash_on_delivery_authed":
		return paymentClass{paymentNoCapture, "cash on delivery needs no capture"}
	case "paid":
		return paymentClass{paymentNoCapture, "paid in advance; nothing to capture"}
	case "":
		return paymentClass{paymentNoCapture, "the order has no payment to capture"}
	}
	if strings.Contains(methodName, "代金引換") {
		return paymentClass{paymentNoCapture, "cash on delivery needs no capture"}
	}
	switch state {
	case "authed", "credit_exam_completed":
		return paymentClass{paymentCapturable, ""}
	case "credit_exam_processing", "credit_exam_hold":
		return paymentClass{paymentExamPending, "the deferred payment's credit check (与信審査) is still running"}
	case "sales_failed", "auth_failed", "update_failed", "registration_failed", "shipment_report_failed",
		"void_failed", "failed", "credit_exam_failed":
		return paymentClass{paymentFailed, "payment_state is " + state}
	}
	return paymentClass{paymentNotCapturable, "payment_state is " + state}
}

// CaptureSalesInput names the order to run 売上処理 for.
type CaptureSalesInput struct {
	Shop        string
	OrderNumber string
	OrderID     int64
}

// CaptureSalesResult says what happened to the payment.
type CaptureSalesResult struct {
	// Captured is true when this notification's capture settled as
	// completed.
	Captured bool
	// SkippedBecause is set when nothing was captured, e.g. "already
	// captured" or "cash on delivery needs no capture".
	SkippedBecause string
	// PaymentState and State are the order's payment_state and 対応状況 as
	// last read.
	PaymentState string
	State        string
	// Reads counts the order reads of this attempt.
	Reads int
}

// captureProgress is the heartbeat detail that remembers, across attempts
// of one CaptureSales, that a capture was (maybe) requested.
type captureProgress struct {
	RequestedAt time.Time
}

// CaptureSales runs 売上処理 (payment_status bulk_update, method sales) and
// waits until payment_state settles: completed is success; a failed state
// is a non-retryable ErrTypeCaptureFailed for an operator.
//
// Idempotent, and never captures twice: it reads the order first and skips
// captured orders and payments that need none. Before sending the request
// it records "requested" in its heartbeat details, which every retry of
// this activity receives: a retry then only waits for payment_state. An
// error that may hide an applied request (5xx, lost answer) is treated as
// requested too. A request whose payment_state never moves within
// CaptureSettleTimeout fails as ErrTypeCaptureUnconfirmed rather than being
// sent again.
func (a *ShipmentNotification) CaptureSales(ctx context.Context, in CaptureSalesInput) (CaptureSalesResult, error) {
	var res CaptureSalesResult
	shop, err := a.Shops.Shop(in.Shop)
	if err != nil {
		return res, err
	}
	what := fmt.Sprintf("run 売上処理 (capture) for order %s of shop %s", in.OrderNumber, in.Shop)
	var progress captureProgress
	if activity.HasHeartbeatDetails(ctx) {
		_ = activity.GetHeartbeatDetails(ctx, &progress)
	}

	order, err := a.readOrder(ctx, shop, in.OrderID, in.OrderNumber)
	if err != nil {
		return res, classify(what, err)
	}
	res.Reads++
	res.PaymentState, res.State = order.PaymentState, order.State

	if !progress.RequestedAt.IsZero() {
		// An earlier attempt requested the capture: only wait for it.
		if done, err := a.captureSettled(what, in, order, progress, &res); done || err != nil {
			return res, err
		}
	} else {
		payment := classifyPayment(order.PaymentState, order.PaymentMethodName)
		switch payment.kind {
		case paymentCaptured, paymentNoCapture:
			res.SkippedBecause = payment.reason
			return res, nil
		case paymentCapturable:
		default:
			return res, a.paymentError(what, in, order, payment, false)
		}
		progress.RequestedAt = time.Now()
		activity.RecordHeartbeat(ctx, progress)
		if _, err := shop.Ecforce.RequestSales(ctx, []int64{in.OrderID}); err != nil {
			if !mayHaveApplied(err) {
				// Refused before anything happened: a retry may request.
				activity.RecordHeartbeat(ctx, captureProgress{})
				return res, classify(what, err)
			}
			a.logger().Warn("the capture request's answer was an error that may hide an applied request; waiting for payment_state instead of sending it again",
				"shop", in.Shop, "order", in.OrderNumber, "error", err.Error())
		} else {
			a.logger().Info("capture requested", "shop", in.Shop, "order", in.OrderNumber, "order_id", in.OrderID)
		}
	}

	wait, maxWait := a.CapturePoll, a.CapturePollMax
	if wait <= 0 {
		wait = DefaultCapturePoll
	}
	if maxWait <= 0 {
		maxWait = DefaultCapturePollMax
	}
	for {
		activity.RecordHeartbeat(ctx, progress)
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return res, fmt.Errorf("%s: stopped while waiting for payment_state to settle: %w", what, ctx.Err())
		case <-timer.C:
		}
		wait = min(2*wait, maxWait)

		order, err := a.readOrder(ctx, shop, in.OrderID, in.OrderNumber)
		if err != nil {
			return res, classify(what, err)
		}
		res.Reads++
		res.PaymentState, res.State = order.PaymentState, order.State
		if done, err := a.captureSettled(what, in, order, progress, &res); done || err != nil {
			if err == nil && res.Captured {
				countShipment(ctx, in.Shop, "capture")
			}
			return res, err
		}
	}
}

// captureSettled judges the order read after a capture was requested: done
// when payment_state settled (res filled in), an error when it settled as
// failed or never moved, neither while it is still in flight.
func (a *ShipmentNotification) captureSettled(what string, in CaptureSalesInput, order EcforceShipping, progress captureProgress, res *CaptureSalesResult) (bool, error) {
	timeout := a.CaptureSettleTimeout
	if timeout <= 0 {
		timeout = DefaultCaptureSettleTimeout
	}
	payment := classifyPayment(order.PaymentState, order.PaymentMethodName)
	switch payment.kind {
	case paymentCaptured:
		res.Captured = true
		a.logger().Info("capture completed", "shop", in.Shop, "order", in.OrderNumber, "reads", res.Reads)
		return true, nil
	case paymentNoCapture:
		res.SkippedBecause = payment.reason
		return true, nil
	case paymentCapturable, paymentExamPending:
		if since := time.Since(progress.RequestedAt); since > timeout {
			return false, nonRetryable(ErrTypeCaptureUnconfirmed, fmt.Errorf(
				"%s: 売上処理 was requested at %s but payment_state is still %s after %s. It is not requested again, so nothing is captured twice. Open the order in the ecforce admin and look at 決済状況: if it is 売上完了 the capture went through; otherwise run 売上処理 there. Then re-run this notification (Web UI: Reset, or `starter notify-shipment --shop %s --order %s`); it skips what is done",
				what, progress.RequestedAt.In(ecforce.JST).Format(time.DateTime), order.PaymentState, since.Round(time.Second), in.Shop, in.OrderNumber))
		}
		return false, nil
	}
	return false, a.paymentError(what, in, order, payment, true)
}

// paymentError is the non-retryable (or, for a running credit check,
// delayed) error for a payment that cannot be captured now.
func (a *ShipmentNotification) paymentError(what string, in CaptureSalesInput, order EcforceShipping, p paymentClass, requested bool) error {
	retry := fmt.Sprintf("Then re-run this notification: in the Temporal Web UI open workflow %s and Reset it, or run `starter notify-shipment --shop %s --order %s`; shipping already written is skipped, and a capture is requested only while the payment is 仮売上 (authed).",
		"notify-shipment/"+in.Shop+"/"+in.OrderNumber, in.Shop, in.OrderNumber)
	switch p.kind {
	case paymentExamPending:
		return temporal.NewApplicationErrorWithOptions(fmt.Sprintf("%s: %s; capture waits and tries again", what, p.reason),
			ErrTypeCreditExamPending, temporal.ApplicationErrorOptions{NextRetryDelay: 15 * time.Minute})
	case paymentFailed:
		how := "a capture attempted before"
		if requested {
			how = "this notification's capture"
		}
		a.logger().Warn("capture failed; an operator must look at the payment", "shop", in.Shop, "order", in.OrderNumber, "payment_state", order.PaymentState)
		return nonRetryable(ErrTypeCaptureFailed, fmt.Errorf(
			"%s: 売上処理 failed: %s after %s (payment method %s). Nothing more is captured automatically. In the ecforce admin open order %s, read 決済状況 and the payment provider's reason, and fix the payment (e.g. 再オーソリ, or run 売上処理 there once the card is fixed). %s",
			what, p.reason, how, order.PaymentMethodName, in.OrderNumber, retry))
	default:
		return nonRetryable(ErrTypePaymentNotCapturable, fmt.Errorf(
			"%s: %s, from which 売上処理 cannot start (expected 仮売上/authed). Check the order's 決済状況 in the ecforce admin; if the payment was voided on purpose, turn with_sales off for such orders or capture by hand. %s",
			what, p.reason, retry))
	}
}

// --- status ------------------------------------------------------------------

// SetShipmentStatusInput asks to set the shop's "after notification"
// 対応状況.
type SetShipmentStatusInput struct {
	Shop        string
	OrderNumber string
	OrderID     int64
	State       string // the target 対応状況 key
	// StateWhenRead is the order's state as the previous step read it.
	StateWhenRead string
}

// SetShipmentStatusResult says what happened to the order's state.
type SetShipmentStatusResult struct {
	Changed        bool
	SkippedBecause string
}

// SetShipmentStatus sets the 対応状況 configured as status_after.
//
// Idempotent: the write sets an absolute value and is skipped when the
// order already has it; retries read the order first, and a write whose
// answer is lost is checked by reading the order. A cancelled order is
// never moved out of キャンセル.
func (a *ShipmentNotification) SetShipmentStatus(ctx context.Context, in SetShipmentStatusInput) (SetShipmentStatusResult, error) {
	var res SetShipmentStatusResult
	shop, err := a.Shops.Shop(in.Shop)
	if err != nil {
		return res, err
	}
	res.Changed, res.SkippedBecause, err = setOrderState(ctx, orderStateChange{
		shop: shop, orderID: in.OrderID, orderNumber: in.OrderNumber, target: in.State, stateWhenRead: in.StateWhenRead,
		setting: "shipment_notification.status_after",
		leaveAlone: func(current string) string {
			if current != "canceled" {
				return ""
			}
			a.logger().Warn("shipped order is cancelled in ecforce; its 対応状況 is left alone", "shop", in.Shop, "order", in.OrderNumber)
			return "order is cancelled (canceled) in ecforce; left alone"
		},
	})
	return res, err
}

func (a *ShipmentNotification) logger() *slog.Logger {
	if a.Logger != nil {
		return a.Logger
	}
	return slog.Default()
}

// --- cache -------------------------------------------------------------------

// ShipmentCache keeps, in this worker's memory only, what a discovery read
// about each shipped order (the LOGILESS shipment and the ecforce order's
// shipping and payment state, no personal data), so the notification that
// follows needs no per-order reads. A miss (another worker, a restart, an
// entry older than the TTL) costs one read on each side and nothing else.
type ShipmentCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	max     int
	entries map[string]cachedShipment
}

type cachedShipment struct {
	shipment *Shipment
	ecforce  *EcforceShipping
	storedAt time.Time
}

// NewShipmentCache returns a cache holding at most max orders for ttl each.
func NewShipmentCache(ttl time.Duration, max int) *ShipmentCache {
	return &ShipmentCache{ttl: ttl, max: max, entries: map[string]cachedShipment{}}
}

func (c *ShipmentCache) put(shop, code string, s *Shipment, e *EcforceShipping) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if len(c.entries) >= c.max {
		for k, v := range c.entries {
			if now.Sub(v.storedAt) > c.ttl {
				delete(c.entries, k)
			}
		}
	}
	key := shop + "/" + code
	if _, exists := c.entries[key]; !exists && len(c.entries) >= c.max {
		return
	}
	c.entries[key] = cachedShipment{shipment: s, ecforce: e, storedAt: now}
}

// take returns a fresh entry and removes it.
func (c *ShipmentCache) take(shop, code string) (cachedShipment, bool) {
	if c == nil {
		return cachedShipment{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	key := shop + "/" + code
	e, ok := c.entries[key]
	delete(c.entries, key)
	if !ok || time.Since(e.storedAt) > c.ttl {
		return cachedShipment{}, false
	}
	return e, true
}

// countShipment counts an effect of the shipment notification on ecforce:
// connector_notifications_sent_total{shop,step}, step "shipping" (slip and
// ship date written) or "capture" (売上処理 settled).
func countShipment(ctx context.Context, shop, step string) {
	activity.GetMetricsHandler(ctx).WithTags(map[string]string{"shop": shop, "step": step}).
		Counter("connector_notifications_sent").Inc(1)
}
