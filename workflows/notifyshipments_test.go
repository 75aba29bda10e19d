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

func TestNotifyShipmentsStartsOneNotificationPerCandidate(t *testing.T) {
	env, a := newShipmentsEnv()
	env.OnActivity(a.ListShipmentCandidates, mock.Anything, mock.MatchedBy(func(in activities.ListShipmentCandidatesInput) bool {
		return in.Shop == "demo" && !in.Now.IsZero() && in.Lookback == 72*time.Hour
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
	if res.Listed != 5 || res.AlreadyInEcforce != 1 || res.WaitingForOperator != 1 || res.NotInEcforce != 1 {
		t.Errorf("counts = %+v", res)
	}
}

func TestNotifyShipmentsDisabledStartsNothing(t *testing.T) {
	env, a := newShipmentsEnv()
	env.OnActivity(a.ListShipmentCandidates, mock.Anything, mock.MatchedBy(func(in activities.ListShipmentCandidatesInput) bool {
		return in.Scheduled
	})).Return(activities.ListShipmentCandidatesResult{Disabled: true}, nil)
	env.ExecuteWorkflow(NotifyShipments, NotifyShipmentsInput{Shop: "demo", Scheduled: true})
	var res NotifyShipmentsResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if !res.Disabled || len(res.Started) != 0 {
		t.Errorf("result = %+v, want disabled with nothing started", res)
	}
}
