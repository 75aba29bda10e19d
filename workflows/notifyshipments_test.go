package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"

	"github.com/ecforce-logiless/connector/activities"
)

func newShipmentsEnv() (*testsuite.TestWorkflowEnvironment, *activities.ShipmentNotification) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	a := &activities.ShipmentNotification{}
	env.RegisterActivity(a)
	env.RegisterWorkflow(NotifyShipments)
	env.RegisterWorkflow(NotifyShipment)
	return env, a
}

// A run started by hand notifies even while 出荷通知を自動実行 is off.
func TestNotifyShipmentsStartsOneNotificationPerCandidate(t *testing.T) {
	env, a := newShipmentsEnv()
	onShopSwitches(env, activities.ShopSwitchesResult{ShipmentNotification: activities.ShipmentNotificationSwitches{AutoRun: false}})
	env.OnActivity(a.ListShipmentCandidates, mock.Anything, mock.MatchedBy(func(in activities.ListShipmentCandidatesInput) bool {
		return in.Shop == "demo" && !in.Now.IsZero() && in.Lookback == 72*time.Hour && !in.Scheduled
	})).Return(activities.ListShipmentCandidatesResult{
		Listed: 5, AlreadyInEcforce: 1, WaitingForOperator: 1, NotInEcforce: 1,
		Candidates: []activities.ShipmentCandidate{
			{OrderNumber: "EC00000001", SalesOrderID: 11},
			{OrderNumber: "EC00000002", SalesOrderID: 12},
		},
	}, nil)
	// The notifications outlive the discovery (ParentClosePolicy ABANDON),
	// so the test environment only records their starts.
	env.OnWorkflow(NotifyShipment, mock.Anything, mock.Anything).Return(NotifyShipmentResult{Outcome: OutcomeNotified}, nil)

	env.ExecuteWorkflow(NotifyShipments, NotifyShipmentsInput{Shop: "demo", Lookback: 72 * time.Hour})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	var res NotifyShipmentsResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	want := []string{NotifyShipmentID("demo", "EC00000001"), NotifyShipmentID("demo", "EC00000002")}
	if len(res.Started) != 2 || res.Started[0] != want[0] || res.Started[1] != want[1] {
		t.Errorf("Started = %v, want %v", res.Started, want)
	}
	if res.Listed != 5 || res.AlreadyInEcforce != 1 || res.WaitingForOperator != 1 || res.NotInEcforce != 1 || res.Disabled {
		t.Errorf("counts = %+v", res)
	}
}

// A scheduled run of a shop whose 出荷通知を自動実行 is on lists and
// notifies; the listing is told nothing of the schedule.
func TestNotifyShipmentsScheduledRunsWhenOn(t *testing.T) {
	env, a := newShipmentsEnv()
	onShopSwitches(env, activities.ShopSwitchesResult{ShipmentNotification: activities.ShipmentNotificationSwitches{AutoRun: true}})
	env.OnActivity(a.ListShipmentCandidates, mock.Anything, mock.MatchedBy(func(in activities.ListShipmentCandidatesInput) bool {
		return !in.Scheduled
	})).Return(activities.ListShipmentCandidatesResult{Listed: 1,
		Candidates: []activities.ShipmentCandidate{{OrderNumber: "EC00000001", SalesOrderID: 11}}}, nil).Once()
	env.OnWorkflow(NotifyShipment, mock.Anything, mock.Anything).Return(NotifyShipmentResult{Outcome: OutcomeNotified}, nil)
	env.ExecuteWorkflow(NotifyShipments, NotifyShipmentsInput{Shop: "demo", Scheduled: true})
	var res NotifyShipmentsResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.Disabled || len(res.Started) != 1 {
		t.Errorf("result = %+v, want one notification started", res)
	}
	env.AssertExpectations(t)
}

func TestNotifyShipmentsDisabledStartsNothing(t *testing.T) {
	versions(t, func(t *testing.T, old bool) {
		env, a := newShipmentsEnv()
		var switchCalls *int
		if old {
			beforeShopSwitches(env)
			env.OnActivity(a.ListShipmentCandidates, mock.Anything, mock.MatchedBy(func(in activities.ListShipmentCandidatesInput) bool {
				return in.Scheduled
			})).Return(activities.ListShipmentCandidatesResult{Disabled: true}, nil)
		} else {
			switchCalls = onShopSwitches(env, activities.ShopSwitchesResult{ShipmentNotification: activities.ShipmentNotificationSwitches{AutoRun: false}})
		}
		outcomes := recordOutcomes(env)
		env.ExecuteWorkflow(NotifyShipments, NotifyShipmentsInput{Shop: "demo", Scheduled: true})
		var res NotifyShipmentsResult
		if err := env.GetWorkflowResult(&res); err != nil {
			t.Fatal(err)
		}
		if !res.Disabled || len(res.Started) != 0 || outcomes.last() != OutcomeDisabled {
			t.Errorf("result = %+v, outcomes %v; want disabled with nothing started", res, *outcomes)
		}
		if !old {
			if *switchCalls != 1 {
				t.Errorf("ShopSwitches ran %d times, want 1", *switchCalls)
			}
			env.AssertNotCalled(t, "ListShipmentCandidates", mock.Anything, mock.Anything)
		}
	})
}
