package activities

import (
	"context"

	"github.com/ecforce-logiless/connector/config"
)

// Switches holds ShopSwitches, the one step through which a workflow learns
// the shop's settings it branches on.
type Switches struct {
	Shops *ShopDirectory
	// Schedules tells whether a Temporal Schedule is paused (nil: never),
	// for DiscoveryGate.
	Schedules SchedulePauses
}

// ShopSwitchesInput names the shop whose switches to read.
type ShopSwitchesInput struct {
	Shop string
}

// ShopSwitchesResult is every on/off switch and target 対応状況 of a shop
// that decides which steps a workflow runs. It holds no secret and no
// personal data: it is recorded in the workflow's history.
type ShopSwitchesResult struct {
	OrderImport          OrderImportSwitches
	ShipmentNotification ShipmentNotificationSwitches
	StockSync            StockSyncSwitches
}

// OrderImportSwitches are the order import's switches.
type OrderImportSwitches struct {
	// AutoRun is order_import.auto_run (受注取込を自動実行).
	AutoRun bool
	// ImportedState is order_import.imported_state, the 対応状況 set on the
	// ecforce order after its import ("" = none).
	ImportedState string
}

// ShipmentNotificationSwitches are the shipment notification's switches.
type ShipmentNotificationSwitches struct {
	// AutoRun is shipment_notification.auto_run (出荷通知を自動実行).
	AutoRun bool
	// WithSales is shipment_notification.with_sales: run 売上処理 with the
	// notification.
	WithSales bool
	// StatusAfter is shipment_notification.status_after, the 対応状況 set
	// after the notification ("" = none).
	StatusAfter string
}

// StockSyncSwitches are the stock sync's switches.
type StockSyncSwitches struct {
	// Enabled is stock_sync.enabled.
	Enabled bool
}

// SwitchesOf reads the switches from a shop's settings. The schedules read
// them through here too, so a paused schedule and a scheduled run that does
// nothing always agree.
func SwitchesOf(s config.Shop) ShopSwitchesResult {
	return ShopSwitchesResult{
		OrderImport: OrderImportSwitches{
			AutoRun:       s.OrderImport.AutoRun,
			ImportedState: s.OrderImport.ImportedState,
		},
		ShipmentNotification: ShipmentNotificationSwitches{
			AutoRun:     s.ShipmentNotification.AutoRun,
			WithSales:   s.ShipmentNotification.WithSales,
			StatusAfter: s.ShipmentNotification.StatusAfter,
		},
		StockSync: StockSyncSwitches{Enabled: s.StockSync.Enabled},
	}
}

// ShopSwitches returns the shop's switches as the worker's shops file sets
// them now.
//
// Idempotent: it only reads the worker's settings.
func (a *Switches) ShopSwitches(_ context.Context, in ShopSwitchesInput) (ShopSwitchesResult, error) {
	shop, err := a.Shops.Shop(in.Shop)
	if err != nil {
		return ShopSwitchesResult{}, err
	}
	return SwitchesOf(shop.Settings), nil
}
