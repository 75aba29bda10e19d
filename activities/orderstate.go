package activities

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/activity"

	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/httpapi"
)

// orderStateAPI is what the 対応状況 write calls on ecforce; both flows'
// ecforce interfaces include it.
type orderStateAPI interface {
	orderReader
	UpdateOrderState(ctx context.Context, id int64, state string) (ecforce.Order, error)
}

// orderStateChange is one 対応状況 write to an ecforce order, shared by the
// order import's "imported" state and the shipment notification's
// status_after.
type orderStateChange struct {
	shop        *Shop
	orderID     int64
	orderNumber string
	target      string // the 対応状況 key to set
	// stateWhenRead is the order's state as the previous step read it, ""
	// when unknown.
	stateWhenRead string
	// leaveAlone says why an order in state current must not be moved
	// (a cancellation, say), or "" to go ahead.
	leaveAlone func(current string) string
	// setting names the shops-file setting that holds the key.
	setting string
	// api, if set, is the client to read and write through (the shipment
	// notification's batching layer); nil is the shop's client.
	api orderStateAPI
}

// setOrderState writes c.target unless the order already has it or must be
// left alone. It is idempotent: the write sets an absolute value; retries
// read the order first, so a state changed by someone else meanwhile (a
// cancellation) is seen. The write is verified from its own answer, the
// updated order document of PUT /admin/orders/:id: a state other than the
// target there is final, and no read follows. Only a write left without an
// answer (a 5xx, a dropped connection) is checked by reading the order.
func setOrderState(ctx context.Context, c orderStateChange) (changed bool, skipped string, err error) {
	var api orderStateAPI = c.shop.Ecforce
	if c.api != nil {
		api = c.api
	}
	what := fmt.Sprintf("set 対応状況 %q on order %s of shop %s", c.target, c.orderNumber, c.shop.Settings.Code)
	current := c.stateWhenRead
	retry := activity.GetInfo(ctx).Attempt > 1
	if retry || current == "" {
		if current, err = readOrderState(ctx, api, c); err != nil {
			return false, "", classify(what, err)
		}
	}
	if current == c.target {
		if retry && c.stateWhenRead != "" && c.stateWhenRead != c.target {
			// The order was elsewhere when the flow read it: the write of
			// an earlier attempt, whose answer was lost, applied.
			return true, "", nil
		}
		return false, "already in state " + c.target, nil
	}
	if why := c.leaveAlone(current); why != "" {
		return false, why, nil
	}
	_, err = api.UpdateOrderState(ctx, c.orderID, c.target)
	switch {
	case err == nil:
		return true, "", nil
	case errors.Is(err, ecforce.ErrStateNotApplied):
		return false, "", nonRetryable(ErrTypeStateChangeNotApplied, fmt.Errorf(
			"%s: %w; check that %s is a key (not a label) of 設定 > 受注/定期受注 > 対応状況管理 and the API member's rights", what, err, c.setting))
	case httpapi.MayHaveApplied(err):
		if now, rerr := readOrderState(ctx, api, c); rerr == nil && now == c.target {
			return true, "", nil
		}
	case httpapi.Rejected(err):
		return false, "", nonRetryable(ErrTypeStateChangeNotApplied, fmt.Errorf(
			"%s: ecforce refused the key: %w; fix %s (a key of 対応状況管理, not a label), restart the worker and re-run", what, err, c.setting))
	}
	return false, "", classify(what, err)
}

func readOrderState(ctx context.Context, api orderStateAPI, c orderStateChange) (string, error) {
	o, err := getOrder(ctx, api, c.shop.Settings.Code, c.orderID, c.orderNumber)
	return o.State, err
}
