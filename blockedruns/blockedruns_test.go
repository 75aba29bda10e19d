package blockedruns

import (
	"context"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	"github.com/ecforce-logiless/connector/workflows"
)

func TestQuery(t *testing.T) {
	for _, tt := range []struct {
		f    Filter
		want string
	}{
		{Filter{}, `ExecutionStatus="Running" AND ConnectorOutcome STARTS_WITH "blocked:"`},
		{Filter{Shop: "demo", Flow: workflows.FlowOrderImport, OrderNumber: "EC1"},
			`ExecutionStatus="Running" AND ConnectorOutcome STARTS_WITH "blocked:" AND ConnectorShop="demo" AND ConnectorFlow="order-import" AND ConnectorOrderNumber="EC1"`},
	} {
		if got := Query(tt.f); got != tt.want {
			t.Errorf("Query(%+v) = %s, want %s", tt.f, got, tt.want)
		}
	}
}

type fakeTemporal struct {
	runs     []*workflowpb.WorkflowExecutionInfo
	signaled []string
	gone     map[string]bool
}

func (f *fakeTemporal) ListWorkflow(_ context.Context, req *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error) {
	// One run per page, to walk the page tokens.
	i := 0
	if len(req.NextPageToken) > 0 {
		i = int(req.NextPageToken[0])
	}
	resp := &workflowservice.ListWorkflowExecutionsResponse{Executions: f.runs[i : i+1]}
	if i+1 < len(f.runs) {
		resp.NextPageToken = []byte{byte(i + 1)}
	}
	return resp, nil
}

func (f *fakeTemporal) SignalWorkflow(_ context.Context, id, _, name string, arg interface{}) error {
	if name != workflows.WakeSignal {
		panic(name)
	}
	if f.gone[id] {
		return serviceerror.NewNotFound("workflow execution already completed")
	}
	f.signaled = append(f.signaled, id+" "+arg.(workflows.WakeInput).Reason)
	return nil
}

func run(id, shop, flow, order, outcome string) *workflowpb.WorkflowExecutionInfo {
	sa := map[string]*commonpb.Payload{}
	for k, v := range map[string]string{"ConnectorShop": shop, "ConnectorFlow": flow, "ConnectorOrderNumber": order, "ConnectorOutcome": outcome} {
		p, _ := converter.GetDefaultDataConverter().ToPayload(v)
		sa[k] = p
	}
	return &workflowpb.WorkflowExecutionInfo{Execution: &commonpb.WorkflowExecution{WorkflowId: id, RunId: "r"},
		SearchAttributes: &commonpb.SearchAttributes{IndexedFields: sa}}
}

// Wake signals every blocked run listed, across pages, skips one that
// closed meanwhile, and Count groups them by shop, flow and reason.
func TestWakeAndCount(t *testing.T) {
	f := &fakeTemporal{
		runs: []*workflowpb.WorkflowExecutionInfo{
			run("import-order/demo/EC1", "demo", "order-import", "EC1", "blocked:UnmappedSKU"),
			run("import-order/demo/EC2", "demo", "order-import", "EC2", "blocked:UnmappedSKU"),
			run("notify-shipment/demo/EC3", "demo", "shipment-notification", "EC3", "blocked:EcforceCaptureFailed"),
		},
		gone: map[string]bool{"import-order/demo/EC2": true},
	}
	woken, err := Wake(context.Background(), f, "default", Filter{Shop: "demo"}, "mapping file changed")
	if err != nil {
		t.Fatal(err)
	}
	if len(woken) != 2 || woken[0].OrderNumber != "EC1" || woken[0].Reason != "UnmappedSKU" || woken[1].Flow != "shipment-notification" {
		t.Errorf("woken %+v", woken)
	}
	if len(f.signaled) != 2 || f.signaled[0] != "import-order/demo/EC1 mapping file changed" {
		t.Errorf("signaled %v", f.signaled)
	}
	n, err := Count(context.Background(), f, "default")
	if err != nil {
		t.Fatal(err)
	}
	if n[Key{"demo", "order-import", "UnmappedSKU"}] != 2 || n[Key{"demo", "shipment-notification", "EcforceCaptureFailed"}] != 1 || len(n) != 2 {
		t.Errorf("count %v", n)
	}
}
