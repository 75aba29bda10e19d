package activities

import "context"

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

// SetShipmentStatus sets the 対応状況 configured as status_after through
// the one 対応状況 write (orderstate.go).
//
// Idempotent: the write sets an absolute value and is skipped when the
// order already has it; retries read the order first, and a write whose
// answer is lost is checked by reading the order. A cancelled order is
// never moved out of キャンセル.
func (a *ShipmentNotification) SetShipmentStatus(ctx context.Context, in SetShipmentStatusInput) (SetShipmentStatusResult, error) {
	ctx = shipmentPriority(ctx)
	var res SetShipmentStatusResult
	shop, err := a.Shops.Shop(in.Shop)
	if err != nil {
		return res, err
	}
	ec, _ := a.shipmentClients(shop)
	res.Changed, res.SkippedBecause, err = setOrderState(ctx, orderStateChange{
		shop: shop, api: ec, orderID: in.OrderID, orderNumber: in.OrderNumber, target: in.State, stateWhenRead: in.StateWhenRead,
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
