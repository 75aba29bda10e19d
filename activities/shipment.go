package activities

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/ecforce-logiless/connector/config"
	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/ecforcebatch"
	"github.com/ecforce-logiless/connector/logiless"
	"github.com/ecforce-logiless/connector/shipment"
	"github.com/ecforce-logiless/connector/ttlcache"
)

// The shipment notification (出荷通知) is one activity a file, beside the
// rules it calls in package shipment: shipmentdiscovery.go
// (ListShipmentCandidates), shipmentprepare.go (PrepareShipment),
// shipmentshipping.go (UpdateShipping), shipmentcapture.go (CaptureSales)
// and shipmentstatus.go (SetShipmentStatus). This file holds what they
// share.

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
	// DefaultBatchWindow and DefaultBatchMaxWait are the worker's
	// BatchWindow and BatchMaxWait (app.Build).
	DefaultBatchWindow  = time.Second
	DefaultBatchMaxWait = 20 * time.Second
	// DefaultCaptureGrace is the grace period of a capture request when a
	// shop built in code has none (the shops file's default is the same).
	DefaultCaptureGrace = config.DefaultCaptureGrace
)

// shipmentEcforce is what the shipment notification calls on ecforce.
type shipmentEcforce interface {
	orderStateAPI
	ListOrders(ctx context.Context, q ecforce.OrderQuery, fn func([]ecforce.Order) error) error
	FindOrderByNumber(ctx context.Context, number string) (ecforce.Order, bool, error)
	UpdateShipping(ctx context.Context, updates []ecforce.ShippingUpdate, withSale bool) (ecforce.BulkResult, error)
	RequestSales(ctx context.Context, orderIDs []int64) (string, error)
	UpdateOrderStates(ctx context.Context, updates []ecforce.StateUpdate) (ecforce.BulkResult, error)
	ListShippingCarriers(ctx context.Context) ([]ecforce.ShippingCarrier, error)
}

// shipmentLogiless is what the shipment notification calls on LOGILESS.
type shipmentLogiless interface {
	salesOrderSearcher
	GetSalesOrder(ctx context.Context, id int64) (logiless.SalesOrder, error)
	ListSalesOrders(ctx context.Context, q logiless.SalesOrderQuery, fn func([]logiless.SalesOrder) error) error
}

// shipmentClients are the shop's clients as the shipment notification sees
// them: its ecforce calls of one order go through the shop's batching layer
// (batchedEcforce) when the worker batches.
func (a *ShipmentNotification) shipmentClients(shop *Shop) (shipmentEcforce, shipmentLogiless) {
	return a.batchedEcforce(shop), shop.Logiless
}

// batchedEcforce is the shop's ecforce client whose one-order reads and
// writes (GetOrder, UpdateShipping, RequestSales, UpdateOrderState) are
// combined with those of the shop's other notifications on this worker
// into bulk calls (package ecforcebatch); the rest is the client as is.
type batchedEcforce struct {
	shipmentEcforce
	b *ecforcebatch.Client
}

func (e batchedEcforce) GetOrder(ctx context.Context, id int64) (ecforce.Order, error) {
	return e.b.GetOrder(ctx, id)
}

func (e batchedEcforce) UpdateShipping(ctx context.Context, updates []ecforce.ShippingUpdate, withSale bool) (ecforce.BulkResult, error) {
	return e.b.UpdateShipping(ctx, updates, withSale)
}

func (e batchedEcforce) RequestSales(ctx context.Context, orderIDs []int64) (string, error) {
	return e.b.RequestSales(ctx, orderIDs)
}

func (e batchedEcforce) UpdateOrderState(ctx context.Context, id int64, state string) (ecforce.Order, error) {
	return e.b.UpdateOrderState(ctx, id, state)
}

// batchedEcforce returns the shop's client through its batching layer, or
// the client as is when the worker does not batch.
func (a *ShipmentNotification) batchedEcforce(shop *Shop) shipmentEcforce {
	if b := a.batchLayer(shop); b != nil {
		return batchedEcforce{shop.Ecforce, b}
	}
	return shop.Ecforce
}

// batchLayer returns the shop's batching layer; nil when the worker does
// not batch (one call per order).
func (a *ShipmentNotification) batchLayer(shop *Shop) *ecforcebatch.Client {
	return a.Batches.layer(shop)
}

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
	// CaptureSettleTimeout is how long, from the first request, captures
	// re-sent every capture_grace may leave payment_state unchanged before
	// the step fails as unconfirmed for an operator.
	CaptureSettleTimeout time.Duration
	// CarrierListTTL is how long a shop's /admin/shipping_carriers list is
	// reused.
	CarrierListTTL time.Duration
	// Batches combines the ecforce calls of the shop's notifications on
	// this worker into bulk calls; nil sends each on its own.
	Batches *EcforceBatches

	carriersOnce sync.Once
	carriers     *ttlcache.Cache[string, []ecforce.ShippingCarrier] // by shop
	// carrierProblems are the shop and delivery-method pairs already
	// reported by reportCarrierOnce.
	carrierProblems sync.Map
}

// ShipmentCache keeps, in this worker's memory only, what a discovery read
// about each shipped order (the LOGILESS shipment and the ecforce order's
// shipping and payment state, no personal data), so the notification that
// follows needs no per-order reads. A miss (another worker, a restart, an
// entry older than the TTL) costs one read on each side and nothing else.
type ShipmentCache struct {
	reads *ttlcache.Cache[shipmentKey, shipmentRead]
}

type shipmentKey struct{ shop, code string }

// shipmentRead is what discovery read of one shipped order.
type shipmentRead struct {
	shipment shipment.Shipment
	ecforce  shipment.EcforceShipping
}

// NewShipmentCache returns a cache holding at most max orders for ttl each.
func NewShipmentCache(ttl time.Duration, max int) *ShipmentCache {
	return &ShipmentCache{reads: ttlcache.New[shipmentKey, shipmentRead](ttl, max)}
}

func (c *ShipmentCache) put(shop, code string, r shipmentRead) {
	if c != nil {
		c.reads.Put(shipmentKey{shop, code}, r)
	}
}

// take returns a fresh entry and removes it: the discovery's reads are
// used once.
func (c *ShipmentCache) take(shop, code string) (shipmentRead, bool) {
	if c == nil {
		return shipmentRead{}, false
	}
	return c.reads.Take(shipmentKey{shop, code})
}

// countShipment counts an effect of the shipment notification on ecforce:
// connector_notifications_sent_total{shop,step}, step "shipping" (slip and
// ship date written) or "capture" (売上処理 settled).
func countShipment(ctx context.Context, shop, step string) {
	activity.GetMetricsHandler(ctx).WithTags(map[string]string{"shop": shop, "step": step}).
		Counter("connector_notifications_sent").Inc(1)
}

func (a *ShipmentNotification) logger() *slog.Logger {
	if a.Logger != nil {
		return a.Logger
	}
	return slog.Default()
}
