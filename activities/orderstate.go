package activities

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/activity"

	"github.com/ecforce-logiless/connector/ecforce"
)

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
}

// setOrderState writes c.target unless the order already has it or must be
// left alone. It is idempotent: the write sets an absolute value; retries
// read the order first, so a state changed by someone else meanwhile is
// seen; a write whose answer is lost is checked by reading the order.
func setOrderState(ctx context.Context, c orderStateChange) (changed bool, skipped string, err error) {
	what := fmt.Sprintf("set 対応状況 %q on order %s of shop %s", c.target, c.orderNumber, c.shop.Settings.Code)
	current := c.stateWhenRead
	if activity.GetInfo(ctx).Attempt > 1 || current == "" {
		if current, err = readOrderState(ctx, c); err != nil {
			return false, "", classify(what, err)
		}
	}
	if current == c.target {
		return false, "already in state " + c.target, nil
	}
	if why := c.leaveAlone(current); why != "" {
		return false, why, nil
	}
	updated, err := c.shop.Ecforce.UpdateOrderState(ctx, c.orderID, c.target)
	switch {
	case err == nil && updated.State == c.target:
		return true, "", nil
	case err == nil:
		return false, "", nonRetryable(ErrTypeStateChangeNotApplied, fmt.Errorf(
			"%s: ecforce answered with state %q; check that the key in %s exists in 設定 > 受注/定期受注 > 対応状況管理 (the key, not the label)",
			what, updated.State, c.setting))
	case mayHaveApplied(err):
		if now, rerr := readOrderState(ctx, c); rerr == nil && now == c.target {
			return true, "", nil
		}
	case ecforce.IsValidation(err):
		return false, "", nonRetryable(ErrTypeStateChangeNotApplied, fmt.Errorf(
			"%s: ecforce refused the 対応状況 key: %w. Check %s against 設定 > 受注/定期受注 > 対応状況管理 (write the key, not the label), restart the worker, then re-run; the steps already done are skipped",
			what, err, c.setting))
	}
	return false, "", classify(what, err)
}

func readOrderState(ctx context.Context, c orderStateChange) (string, error) {
	o, err := c.shop.Ecforce.GetOrder(ctx, c.orderID)
	if errors.Is(err, ecforce.ErrNotFound) {
		return "", nonRetryable(ErrTypeOrderNotFound, fmt.Errorf("ecforce has no order with id %d (受注番号 %s) in shop %s any more: it was deleted",
			c.orderID, c.orderNumber, c.shop.Settings.Code))
	}
	return o.State, err
}
