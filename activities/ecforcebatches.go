package activities

import (
	"log/slog"
	"sync"
	"time"

	"github.com/ecforce-logiless/connector/ecforcebatch"
)

// EcforceBatches keeps, per shop, this worker's batching layer over the
// shop's ecforce client (package ecforcebatch): the one-order reads and
// writes of concurrent runs of the shop go out together as bulk calls.
// The shipment notifications and the order imports' state reads each use
// one. A nil *EcforceBatches, or one without a Window, batches nothing.
type EcforceBatches struct {
	// Window is how long a read or write waits after the latest one of the
	// shop's other runs on this worker, to go with them in one bulk call of
	// up to the shop's shipment_notification.batch_size records
	// (docs/shipment-notification.md#bulk-calls). MaxWait caps the wait
	// from the first record of a batch while others keep arriving.
	Window  time.Duration
	MaxWait time.Duration
	Logger  *slog.Logger

	layers sync.Map // shop code → *ecforcebatch.Client
}

// layer returns the shop's batching layer, made on first use; nil when
// nothing is batched.
func (b *EcforceBatches) layer(shop *Shop) *ecforcebatch.Client {
	if b == nil || b.Window <= 0 || shop.Ecforce == nil {
		return nil
	}
	code := shop.Settings.Code
	if l, ok := b.layers.Load(code); ok {
		return l.(*ecforcebatch.Client)
	}
	logger := b.Logger
	if logger == nil {
		logger = slog.Default()
	}
	l, _ := b.layers.LoadOrStore(code, ecforcebatch.New(shop.Ecforce, ecforcebatch.Options{
		Shop: code, Size: shop.Settings.ShipmentNotification.BatchSize, Window: b.Window, MaxWait: b.MaxWait, Logger: logger,
		Sent: func(kind string, records int) {
			logger.Debug("ecforce bulk call", "shop", code, "kind", kind, "records", records)
		},
	}))
	return l.(*ecforcebatch.Client)
}
