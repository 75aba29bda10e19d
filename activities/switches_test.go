package activities

import (
	"context"
	"errors"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/ecforce-logiless/connector/config"
)

func TestShopSwitches(t *testing.T) {
	s := config.Shop{Code: "demo"}
	s.OrderImport.AutoRun, s.OrderImport.ImportedState = true, "linked"
	s.ShipmentNotification.WithSales, s.ShipmentNotification.StatusAfter = true, "shipped"
	s.StockSync.Enabled = true
	a := &Switches{Shops: NewShopDirectory(&Shop{Settings: s})}

	got, err := a.ShopSwitches(context.Background(), ShopSwitchesInput{Shop: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	want := ShopSwitchesResult{
		OrderImport:          OrderImportSwitches{AutoRun: true, ImportedState: "linked"},
		ShipmentNotification: ShipmentNotificationSwitches{AutoRun: false, WithSales: true, StatusAfter: "shipped"},
		StockSync:            StockSyncSwitches{Enabled: true},
	}
	if got != want {
		t.Errorf("ShopSwitches = %+v, want %+v", got, want)
	}

	_, err = a.ShopSwitches(context.Background(), ShopSwitchesInput{Shop: "nope"})
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != ErrTypeUnknownShop || !appErr.NonRetryable() {
		t.Errorf("unknown shop: err = %v, want a non-retryable %s", err, ErrTypeUnknownShop)
	}
}
