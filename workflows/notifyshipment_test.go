package workflows

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/ecforce-logiless/connector/activities"
	"github.com/ecforce-logiless/connector/shipment"
)

func newShipmentEnv(t *testing.T) (*testsuite.TestWorkflowEnvironment, *activities.ShipmentNotification) {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	a := &activities.ShipmentNotification{}
	env.RegisterActivity(a)
	env.RegisterWorkflow(NotifyShipment)
	return env, a
}

// notifiedShipTime is 2024-05-01 15:04:05 JST, in UTC so that it compares equal
// after the round trip through the history.
var notifiedShipTime = time.Date(2024, 5, 1, 6, 4, 5, 0, time.UTC)

// preparedShipment is PrepareShipment's result; its WithSales and
// StatusAfter are read only by runs before ShopSwitchesVersion.
func preparedShipment(withSales bool, statusAfter string) activities.PrepareShipmentResult {
	return activities.PrepareShipmentResult{
		OrderID: 7, SalesOrderID: 70, ShippingSlip: "438000000001,438000000002", TrackingNumbers: 2, Parcels: 2,
		ShippedAt: notifiedShipTime, DeliveryMethod: "yamato", CarrierID: 1,
		Current:   shipment.EcforceShipping{OrderID: 7, Number: "EC00000007", State: "complete", PaymentState: "authed"},
		WithSales: withSales, StatusAfter: statusAfter,
	}
}

// shipmentSwitches answers the ShopSwitches step with these switches.
func shipmentSwitches(env *testsuite.TestWorkflowEnvironment, withSales bool, statusAfter string) {
	onShopSwitches(env, activities.ShopSwitchesResult{ShipmentNotification: activities.ShipmentNotificationSwitches{
		WithSales: withSales, StatusAfter: statusAfter,
	}})
}

// TestNotifyShipmentOptionalSteps covers every combination of the two
// optional steps: sales processing (with_sales) and the status change
// (status_after). Shipping is always written first, and each optional step
// runs exactly when its setting asks for it. Runs at ShopSwitchesVersion
// read the settings from the ShopSwitches step and ignore the opposite
// values PrepareShipment's result still carries; older runs read them from
// that result, as they did.
func TestNotifyShipmentOptionalSteps(t *testing.T) {
	tests := []struct {
		withSales    bool
		statusAfter  string
		wantStateSet string
	}{
		{withSales: false, statusAfter: ""},
		{withSales: true, statusAfter: ""},
		{withSales: false, statusAfter: "shipped", wantStateSet: "shipped"},
		{withSales: true, statusAfter: "shipped", wantStateSet: "shipped"},
	}
	for _, tt := range tests {
		name := "with_sales=" + map[bool]string{true: "on", false: "off"}[tt.withSales] + ",status_after=" + tt.statusAfter
		t.Run(name, func(t *testing.T) {
			versions(t, func(t *testing.T, old bool) {
				env, a := newShipmentEnv(t)
				prep := preparedShipment(tt.withSales, tt.statusAfter)
				if old {
					beforeShopSwitches(env)
				} else {
					shipmentSwitches(env, tt.withSales, tt.statusAfter)
					// Opposite side fields, which the run must ignore.
					prep.WithSales, prep.StatusAfter = !tt.withSales, "stale"
					if tt.statusAfter != "" {
						prep.StatusAfter = ""
					}
				}
				var order []string
				env.OnActivity(a.PrepareShipment, mock.Anything, activities.PrepareShipmentInput{
					Shop: "demo", OrderNumber: "EC00000007", SalesOrderID: 70,
				}).Return(prep, nil).Once()
				env.OnActivity(a.UpdateShipping, mock.Anything, activities.UpdateShippingInput{
					Shop: "demo", OrderNumber: "EC00000007", OrderID: 7, ShippingSlip: prep.ShippingSlip,
					ShippedAt: notifiedShipTime, CarrierID: 1, Current: prep.Current,
				}).Return(func(context.Context, activities.UpdateShippingInput) (activities.UpdateShippingResult, error) {
					order = append(order, "shipping")
					return activities.UpdateShippingResult{Written: true}, nil
				}).Once()
				if tt.withSales {
					env.OnActivity(a.CaptureSales, mock.Anything, activities.CaptureSalesInput{
						Shop: "demo", OrderNumber: "EC00000007", OrderID: 7, Current: &prep.Current,
					}).Return(func(context.Context, activities.CaptureSalesInput) (activities.CaptureSalesResult, error) {
						order = append(order, "capture")
						return activities.CaptureSalesResult{Captured: true, PaymentState: "completed", State: "complete"}, nil
					}).Once()
				}
				if tt.statusAfter != "" {
					env.OnActivity(a.SetShipmentStatus, mock.Anything, activities.SetShipmentStatusInput{
						Shop: "demo", OrderNumber: "EC00000007", OrderID: 7, State: tt.statusAfter, StateWhenRead: "complete",
					}).Return(func(context.Context, activities.SetShipmentStatusInput) (activities.SetShipmentStatusResult, error) {
						order = append(order, "status")
						return activities.SetShipmentStatusResult{Changed: true}, nil
					}).Once()
				}

				env.ExecuteWorkflow(NotifyShipment, NotifyShipmentInput{Shop: "demo", OrderNumber: "EC00000007", SalesOrderID: 70})
				if err := env.GetWorkflowError(); err != nil {
					t.Fatalf("workflow error: %v", err)
				}
				var res NotifyShipmentResult
				if err := env.GetWorkflowResult(&res); err != nil {
					t.Fatal(err)
				}
				want := []string{"shipping"}
				if tt.withSales {
					want = append(want, "capture")
				}
				if tt.statusAfter != "" {
					want = append(want, "status")
				}
				if strings.Join(order, ",") != strings.Join(want, ",") {
					t.Errorf("steps ran in order %v, want %v", order, want)
				}
				if res.Outcome != OutcomeNotified || !res.ShippingWritten || res.Captured != tt.withSales ||
					res.SalesRequested != tt.withSales || res.StateSet != tt.wantStateSet {
					t.Errorf("result = %+v", res)
				}
				if res.ShippingSlip != prep.ShippingSlip || !res.ShippedAt.Equal(notifiedShipTime) || res.OrderID != 7 || res.CarrierID != 1 {
					t.Errorf("result shipping = %q %s order %d carrier %d", res.ShippingSlip, res.ShippedAt, res.OrderID, res.CarrierID)
				}
				env.AssertExpectations(t)
				if !tt.withSales {
					env.AssertNotCalled(t, "CaptureSales", mock.Anything, mock.Anything)
				}
				if tt.statusAfter == "" {
					env.AssertNotCalled(t, "SetShipmentStatus", mock.Anything, mock.Anything)
				}
			})
		})
	}
}

func TestNotifyShipmentAlreadyInEcforceWritesNothing(t *testing.T) {
	env, a := newShipmentEnv(t)
	shipmentSwitches(env, true, "shipped")
	env.OnActivity(a.PrepareShipment, mock.Anything, mock.Anything).Return(preparedShipment(true, "shipped"), nil)
	env.OnActivity(a.UpdateShipping, mock.Anything, mock.Anything).Return(activities.UpdateShippingResult{SkippedBecause: "ecforce already has this slip and ship date"}, nil)
	env.OnActivity(a.CaptureSales, mock.Anything, mock.Anything).Return(activities.CaptureSalesResult{SkippedBecause: "already captured (payment_state completed)", State: "shipped"}, nil)
	env.OnActivity(a.SetShipmentStatus, mock.Anything, activities.SetShipmentStatusInput{
		Shop: "demo", OrderNumber: "EC00000007", OrderID: 7, State: "shipped", StateWhenRead: "shipped",
	}).Return(activities.SetShipmentStatusResult{SkippedBecause: "already in state shipped"}, nil)
	env.ExecuteWorkflow(NotifyShipment, NotifyShipmentInput{Shop: "demo", OrderNumber: "EC00000007", SalesOrderID: 70})
	var res NotifyShipmentResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.Outcome != OutcomeAlreadyNotified || res.ShippingWritten || res.Captured || res.StateSet != "" {
		t.Errorf("result = %+v, want already notified with nothing written", res)
	}
}

// A run recorded before BlockedWaitsVersion fails on a failed capture
// (runs since wait: TestNotifyShipmentCaptureFailureBlocksUntilWoken).
func TestNotifyShipmentCaptureFailureStopsBeforeTheStatus(t *testing.T) {
	env, a := newShipmentEnv(t)
	beforeBlockedWaits(env)
	shipmentSwitches(env, true, "shipped")
	env.OnActivity(a.PrepareShipment, mock.Anything, mock.Anything).Return(preparedShipment(true, "shipped"), nil)
	env.OnActivity(a.UpdateShipping, mock.Anything, mock.Anything).Return(activities.UpdateShippingResult{Written: true}, nil)
	captures := 0
	env.OnActivity(a.CaptureSales, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.CaptureSalesInput) (activities.CaptureSalesResult, error) {
			captures++
			return activities.CaptureSalesResult{}, temporal.NewNonRetryableApplicationError(
				"run 売上処理 (capture) for order EC00000007 of shop demo: 売上処理 failed: payment_state is sales_failed",
				activities.ErrTypeCaptureFailed, nil)
		})
	env.ExecuteWorkflow(NotifyShipment, NotifyShipmentInput{Shop: "demo", OrderNumber: "EC00000007", SalesOrderID: 70})
	var appErr *temporal.ApplicationError
	if err := env.GetWorkflowError(); !errors.As(err, &appErr) || appErr.Type() != activities.ErrTypeCaptureFailed {
		t.Fatalf("workflow error = %v, want %s", err, activities.ErrTypeCaptureFailed)
	}
	if captures != 1 {
		t.Errorf("CaptureSales ran %d times, want 1 (non-retryable)", captures)
	}
	env.AssertNotCalled(t, "SetShipmentStatus", mock.Anything, mock.Anything)
}

func TestNotifyShipmentRetriesTransientErrors(t *testing.T) {
	env, a := newShipmentEnv(t)
	shipmentSwitches(env, false, "")
	env.OnActivity(a.PrepareShipment, mock.Anything, mock.Anything).Return(preparedShipment(false, ""), nil)
	calls := 0
	env.OnActivity(a.UpdateShipping, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.UpdateShippingInput) (activities.UpdateShippingResult, error) {
			calls++
			if calls < 3 {
				return activities.UpdateShippingResult{}, temporal.NewApplicationError("ecforce 503", activities.ErrTypeTransient)
			}
			return activities.UpdateShippingResult{SkippedBecause: "ecforce already has this slip and ship date"}, nil
		})
	env.ExecuteWorkflow(NotifyShipment, NotifyShipmentInput{Shop: "demo", OrderNumber: "EC00000007"})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	if calls != 3 {
		t.Errorf("UpdateShipping ran %d times, want 3", calls)
	}
}

func TestNotifyShipmentIDs(t *testing.T) {
	if got := NotifyShipmentID("demo", "EC00000007"); got != "notify-shipment/demo/EC00000007" {
		t.Errorf("NotifyShipmentID = %q", got)
	}
	if got := NotifyShipmentsID("demo"); got != "notify-shipments/demo" {
		t.Errorf("NotifyShipmentsID = %q", got)
	}
}

// A 後払い order's shipment report goes with the shipping update
// (with_sale=1); the capture step is told so and never sends one itself.
func TestNotifyShipmentDeferredPaymentReportsWithTheShipping(t *testing.T) {
	env, a := newShipmentEnv(t)
	shipmentSwitches(env, true, "shipped")
	prep := preparedShipment(true, "shipped")
	prep.PaymentMethod, prep.Settlement = "np_atobarai", shipment.SettleByShipmentReport
	prep.Current.PaymentState = "credit_exam_completed"
	reportedAt := notifiedShipTime.Add(time.Hour)
	env.OnActivity(a.PrepareShipment, mock.Anything, mock.Anything).Return(prep, nil)
	env.OnActivity(a.UpdateShipping, mock.Anything, activities.UpdateShippingInput{
		Shop: "demo", OrderNumber: "EC00000007", OrderID: 7, ShippingSlip: prep.ShippingSlip,
		ShippedAt: notifiedShipTime, CarrierID: 1, Current: prep.Current, ReportWithSale: true,
	}).Return(activities.UpdateShippingResult{Written: true, ReportedAt: reportedAt}, nil).Once()
	env.OnActivity(a.CaptureSales, mock.Anything, activities.CaptureSalesInput{
		Shop: "demo", OrderNumber: "EC00000007", OrderID: 7, Settlement: shipment.SettleByShipmentReport, ReportedAt: reportedAt, Current: &prep.Current,
	}).Return(activities.CaptureSalesResult{ShipmentReported: true, PaymentState: "credit_exam_completed", State: "complete"}, nil).Once()
	env.OnActivity(a.SetShipmentStatus, mock.Anything, mock.Anything).Return(activities.SetShipmentStatusResult{Changed: true}, nil).Once()
	env.ExecuteWorkflow(NotifyShipment, NotifyShipmentInput{Shop: "demo", OrderNumber: "EC00000007", SalesOrderID: 70})
	var res NotifyShipmentResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.Outcome != OutcomeNotified || !res.ShipmentReported || res.Captured || res.Settlement != shipment.SettleByShipmentReport || res.StateSet != "shipped" {
		t.Errorf("result = %+v", res)
	}
	env.AssertExpectations(t)
}

// An order cancelled in ecforce gets nothing written: the step that finds
// it stops the run, which completes with OutcomeCanceled (so discovery
// does not start it again); runs from before OrderCanceledVersion fail as
// they did.
func TestNotifyShipmentOfACancelledOrder(t *testing.T) {
	canceled := temporal.NewNonRetryableApplicationError("ecforce order EC00000007 (id 7) of shop demo is キャンセル (canceled); no slip is written",
		activities.ErrTypeOrderCanceled, nil)
	for _, step := range []string{"shipping", "capture"} {
		for _, old := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s,old=%t", step, old), func(t *testing.T) {
				env, a := newShipmentEnv(t)
				if old {
					env.OnGetVersion(OrderCanceledChangeID, workflow.DefaultVersion, OrderCanceledVersion).Return(workflow.DefaultVersion)
				}
				outcomes := recordOutcomes(env)
				shipmentSwitches(env, true, "shipped")
				env.OnActivity(a.PrepareShipment, mock.Anything, mock.Anything).Return(preparedShipment(true, "shipped"), nil)
				if step == "shipping" {
					env.OnActivity(a.UpdateShipping, mock.Anything, mock.Anything).Return(activities.UpdateShippingResult{}, canceled).Once()
				} else {
					env.OnActivity(a.UpdateShipping, mock.Anything, mock.Anything).Return(activities.UpdateShippingResult{Written: true}, nil).Once()
					env.OnActivity(a.CaptureSales, mock.Anything, mock.Anything).Return(activities.CaptureSalesResult{}, canceled).Once()
				}
				env.ExecuteWorkflow(NotifyShipment, NotifyShipmentInput{Shop: "demo", OrderNumber: "EC00000007", SalesOrderID: 70})
				env.AssertNotCalled(t, "SetShipmentStatus", mock.Anything, mock.Anything)
				if step == "shipping" {
					env.AssertNotCalled(t, "CaptureSales", mock.Anything, mock.Anything)
				}
				if old {
					var appErr *temporal.ApplicationError
					if err := env.GetWorkflowError(); !errors.As(err, &appErr) || appErr.Type() != activities.ErrTypeOrderCanceled {
						t.Fatalf("workflow error = %v, want %s", err, activities.ErrTypeOrderCanceled)
					}
					return
				}
				var res NotifyShipmentResult
				if err := env.GetWorkflowResult(&res); err != nil {
					t.Fatalf("workflow error: %v", err)
				}
				if res.Outcome != OutcomeCanceled || !res.Canceled || !strings.Contains(res.CanceledBecause, "キャンセル") || outcomes.last() != OutcomeCanceled {
					t.Errorf("result = %+v, outcome %q", res, outcomes.last())
				}
			})
		}
	}
}

// A failed capture blocks the notification at 売上処理, before the status:
// outcome blocked:EcforceCaptureFailed; once the payment is fixed a wake
// captures and sets the status, in the same run, without writing the
// shipping again.
func TestNotifyShipmentCaptureFailureBlocksUntilWoken(t *testing.T) {
	env, a := newShipmentEnv(t)
	shipmentSwitches(env, true, "shipped")
	outcomes := recordOutcomes(env)
	env.OnActivity(a.PrepareShipment, mock.Anything, mock.Anything).Return(preparedShipment(true, "shipped"), nil).Once()
	env.OnActivity(a.UpdateShipping, mock.Anything, mock.Anything).Return(activities.UpdateShippingResult{Written: true}, nil).Once()
	captures := 0
	env.OnActivity(a.CaptureSales, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.CaptureSalesInput) (activities.CaptureSalesResult, error) {
			captures++
			if captures == 1 {
				return activities.CaptureSalesResult{}, temporal.NewNonRetryableApplicationError(
					"run 売上処理 (capture) for order EC00000007 of shop demo: 売上処理 failed: payment_state is sales_failed",
					activities.ErrTypeCaptureFailed, nil)
			}
			return activities.CaptureSalesResult{Captured: true}, nil
		})
	env.OnActivity(a.SetShipmentStatus, mock.Anything, mock.Anything).Return(activities.SetShipmentStatusResult{Changed: true}, nil).Once()
	var blockedAs string
	env.RegisterDelayedCallback(func() {
		blockedAs = outcomes.last()
		env.AssertNotCalled(t, "SetShipmentStatus", mock.Anything, mock.Anything)
		env.SignalWorkflow(WakeSignal, WakeInput{Reason: "starter wake"})
	}, time.Hour)
	env.ExecuteWorkflow(NotifyShipment, NotifyShipmentInput{Shop: "demo", OrderNumber: "EC00000007", SalesOrderID: 70})
	var res NotifyShipmentResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if blockedAs != "blocked:"+activities.ErrTypeCaptureFailed {
		t.Errorf("outcome while blocked %q, want blocked:%s", blockedAs, activities.ErrTypeCaptureFailed)
	}
	if !res.Captured || res.StateSet != "shipped" || res.Outcome != OutcomeNotified || captures != 2 {
		t.Errorf("result %+v after %d captures; want captured, shipped, notified after 2", res, captures)
	}
	env.AssertExpectations(t)
}

// A card order's capture rides on the shipping write (CaptureWithSale);
// the capture step gets when it was sent and the order as prepared, so it
// only waits for payment_state to settle.
func TestNotifyShipmentCardCaptureWithTheShipping(t *testing.T) {
	env, a := newShipmentEnv(t)
	shipmentSwitches(env, true, "shipped")
	prep := preparedShipment(true, "shipped")
	prep.PaymentMethod, prep.Settlement = "credit_card_payment", shipment.SettleByCapture
	sentAt := notifiedShipTime.Add(time.Hour)
	env.OnActivity(a.PrepareShipment, mock.Anything, mock.Anything).Return(prep, nil)
	env.OnActivity(a.UpdateShipping, mock.Anything, activities.UpdateShippingInput{
		Shop: "demo", OrderNumber: "EC00000007", OrderID: 7, ShippingSlip: prep.ShippingSlip,
		ShippedAt: notifiedShipTime, CarrierID: 1, Current: prep.Current, CaptureWithSale: true,
	}).Return(activities.UpdateShippingResult{Written: true, ReportedAt: sentAt}, nil).Once()
	env.OnActivity(a.CaptureSales, mock.Anything, activities.CaptureSalesInput{
		Shop: "demo", OrderNumber: "EC00000007", OrderID: 7, Settlement: shipment.SettleByCapture, ReportedAt: sentAt, Current: &prep.Current,
	}).Return(activities.CaptureSalesResult{Captured: true, PaymentState: "completed", State: "complete"}, nil).Once()
	env.OnActivity(a.SetShipmentStatus, mock.Anything, mock.Anything).Return(activities.SetShipmentStatusResult{Changed: true}, nil).Once()
	env.ExecuteWorkflow(NotifyShipment, NotifyShipmentInput{Shop: "demo", OrderNumber: "EC00000007", SalesOrderID: 70})
	var res NotifyShipmentResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.Outcome != OutcomeNotified || !res.Captured || res.StateSet != "shipped" {
		t.Errorf("result = %+v", res)
	}
	env.AssertExpectations(t)
}

// Only the first execution of the capture step starts from
// PrepareShipment's read: after a wake the order may have changed (a
// payment fixed, or captured by hand), so the step gets no Current and
// reads ecforce first.
func TestNotifyShipmentCaptureAfterAWakeReadsAfresh(t *testing.T) {
	env, a := newShipmentEnv(t)
	shipmentSwitches(env, true, "")
	env.OnActivity(a.PrepareShipment, mock.Anything, mock.Anything).Return(preparedShipment(true, ""), nil).Once()
	env.OnActivity(a.UpdateShipping, mock.Anything, mock.Anything).Return(activities.UpdateShippingResult{Written: true}, nil).Once()
	var currents []*shipment.EcforceShipping
	env.OnActivity(a.CaptureSales, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.CaptureSalesInput) (activities.CaptureSalesResult, error) {
			currents = append(currents, in.Current)
			if len(currents) == 1 {
				return activities.CaptureSalesResult{}, temporal.NewNonRetryableApplicationError("capture failed", activities.ErrTypeCaptureFailed, nil)
			}
			return activities.CaptureSalesResult{Captured: true}, nil
		})
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(WakeSignal, WakeInput{Reason: "fixed"}) }, time.Hour)
	env.ExecuteWorkflow(NotifyShipment, NotifyShipmentInput{Shop: "demo", OrderNumber: "EC00000007", SalesOrderID: 70})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if len(currents) != 2 || currents[0] == nil || currents[0].OrderID != 7 || currents[1] != nil {
		t.Errorf("capture executions got Current %v; want the prepared order first, none after the wake", currents)
	}
}
