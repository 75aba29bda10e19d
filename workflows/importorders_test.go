package workflows

import (
	"testing"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"

	"github.com/ecforce-logiless/connector/activities"
)

func TestImportOrdersStartsOneImportPerCandidate(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	a := &activities.OrderImport{}
	env.RegisterActivity(a)
	env.RegisterWorkflow(ImportOrders)
	env.RegisterWorkflow(ImportOrder)

	env.OnActivity(a.ListImportCandidates, mock.Anything, mock.MatchedBy(func(in activities.ListImportCandidatesInput) bool {
		return in.Shop == "demo" && !in.Now.IsZero()
	})).Return(activities.ListImportCandidatesResult{
		Listed: 4, NotYetDue: 1, AlreadyInLogiless: 1,
		Candidates: []activities.ImportCandidate{
			{OrderID: 1, OrderNumber: "0000000001", CodeLookup: activities.LookupNotFound},
			{OrderID: 2, OrderNumber: "0000000002", CodeLookup: activities.LookupNotFound},
		},
	}, nil)
	// The imports outlive the discovery (ParentClosePolicy ABANDON), so the
	// test environment only records their starts.
	env.OnWorkflow(ImportOrder, mock.Anything, mock.Anything).Return(ImportOrderResult{Outcome: OutcomeImported}, nil)

	env.ExecuteWorkflow(ImportOrders, ImportOrdersInput{Shop: "demo"})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	var res ImportOrdersResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	want := []string{ImportOrderID("demo", "0000000001"), ImportOrderID("demo", "0000000002")}
	if len(res.Started) != 2 || res.Started[0] != want[0] || res.Started[1] != want[1] {
		t.Errorf("Started = %v, want %v", res.Started, want)
	}
	if res.Listed != 4 || res.NotYetDue != 1 || res.AlreadyInLogiless != 1 {
		t.Errorf("counts = %+v", res)
	}
}

func TestImportOrdersDisabledStartsNothing(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	a := &activities.OrderImport{}
	env.RegisterActivity(a)
	env.RegisterWorkflow(ImportOrders)
	env.RegisterWorkflow(ImportOrder)
	env.OnActivity(a.ListImportCandidates, mock.Anything, mock.Anything).Return(activities.ListImportCandidatesResult{Disabled: true}, nil)
	env.ExecuteWorkflow(ImportOrders, ImportOrdersInput{Shop: "demo", Scheduled: true})
	var res ImportOrdersResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if !res.Disabled || len(res.Started) != 0 {
		t.Errorf("result = %+v, want disabled with nothing started", res)
	}
}
