package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	sdkpb "go.temporal.io/api/sdk/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// fakeTemporal is the part of the Temporal client the starter uses, with
// one workflow run whose progress and end the test sets. Methods the
// starter does not call are left to the nil embedded interface (they
// panic).
type fakeTemporal struct {
	client.Client

	mu      sync.Mutex
	started []client.StartWorkflowOptions
	// The run: Running for runningPolls descriptions, then closed with
	// runErr or result.
	runningPolls int
	polls        int
	once         sync.Once
	done         chan struct{}
	runErr       error
	result       any
	runStart     time.Time
	pending      func(poll int) []*workflowpb.PendingActivityInfo
	history      func(poll int) []*historypb.HistoryEvent
	details      string
	// Visibility and schedules. blocked answers the blocked-runs query;
	// a failed run is the newest of its ID unless superseded names it.
	recent, failed, blocked []*workflowpb.WorkflowExecutionInfo
	superseded              map[string]bool
	signaled                []string
	schedules               map[string]*client.ScheduleDescription
}

func newFakeTemporal() *fakeTemporal {
	return &fakeTemporal{done: make(chan struct{}), runStart: time.Now().Add(-time.Minute), schedules: map[string]*client.ScheduleDescription{}}
}

// use makes the starter dial f for the rest of the test.
func (f *fakeTemporal) use(t *testing.T) {
	t.Helper()
	prevDial, prevPoll := dialTemporal, pollEvery
	dialTemporal = func(context.Context, client.Options) (client.Client, error) { return f, nil }
	pollEvery = 5 * time.Millisecond
	t.Cleanup(func() { dialTemporal, pollEvery = prevDial, prevPoll })
}

// finishedRunID is the ID of the last run of the fake workflow (as after a
// continue-as-new).
const finishedRunID = "run-2"

func (f *fakeTemporal) ExecuteWorkflow(_ context.Context, o client.StartWorkflowOptions, _ any, _ ...any) (client.WorkflowRun, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.started = append(f.started, o)
	if f.runningPolls == 0 {
		f.once.Do(func() { close(f.done) })
	}
	return fakeRun{f: f, id: o.ID, runID: "run-1"}, nil
}

func (f *fakeTemporal) GetWorkflow(_ context.Context, id, runID string) client.WorkflowRun {
	return fakeRun{f: f, id: id, runID: runID}
}

func (f *fakeTemporal) DescribeWorkflowExecution(_ context.Context, id, runID string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.failed {
		if r.GetExecution().GetWorkflowId() != id || runID != "" {
			continue
		}
		latest := &workflowpb.WorkflowExecutionInfo{Execution: r.GetExecution(), Status: r.GetStatus()}
		if f.superseded[id] {
			latest = &workflowpb.WorkflowExecutionInfo{Execution: &commonpb.WorkflowExecution{WorkflowId: id, RunId: "run-later"},
				Status: enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED}
		}
		return &workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: latest}, nil
	}
	f.polls++
	status := enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING
	var pending []*workflowpb.PendingActivityInfo
	if f.polls > f.runningPolls {
		f.once.Do(func() { close(f.done) })
		status = enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED
		if f.runErr != nil {
			status = enumspb.WORKFLOW_EXECUTION_STATUS_FAILED
		}
	} else if f.pending != nil {
		pending = f.pending(f.polls)
	}
	return &workflowservice.DescribeWorkflowExecutionResponse{
		WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{
			Execution: &commonpb.WorkflowExecution{WorkflowId: id, RunId: finishedRunID},
			Status:    status,
			StartTime: timestamppb.New(f.runStart),
		},
		PendingActivities: pending,
	}, nil
}

func (f *fakeTemporal) GetWorkflowHistory(_ context.Context, _, _ string, _ bool, _ enumspb.HistoryEventFilterType) client.HistoryEventIterator {
	f.mu.Lock()
	defer f.mu.Unlock()
	var events []*historypb.HistoryEvent
	if f.history != nil {
		events = f.history(f.polls)
	}
	return &fakeHistory{events: events}
}

func (f *fakeTemporal) QueryWorkflow(context.Context, string, string, string, ...any) (converter.EncodedValue, error) {
	if f.details == "" {
		return nil, errors.New("no worker answered")
	}
	p, err := converter.GetDefaultDataConverter().ToPayloads(&sdkpb.WorkflowMetadata{CurrentDetails: f.details})
	if err != nil {
		return nil, err
	}
	return encodedValue{p}, nil
}

func (f *fakeTemporal) ListWorkflow(_ context.Context, req *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error) {
	if strings.Contains(req.GetQuery(), `ExecutionStatus="Failed"`) {
		return &workflowservice.ListWorkflowExecutionsResponse{Executions: f.failed}, nil
	}
	if strings.Contains(req.GetQuery(), `STARTS_WITH "blocked:"`) {
		var match []*workflowpb.WorkflowExecutionInfo
		for _, r := range f.blocked {
			if strings.Contains(req.GetQuery(), `ConnectorOrderNumber=`) &&
				!strings.Contains(req.GetQuery(), `ConnectorOrderNumber="`+strings.TrimPrefix(r.GetExecution().GetWorkflowId(), "import-order/demo/")+`"`) {
				continue
			}
			if strings.Contains(req.GetQuery(), `ConnectorFlow="stock-sync"`) || strings.Contains(req.GetQuery(), `ConnectorFlow="shipment-notification"`) {
				continue // the fake's blocked runs are imports
			}
			match = append(match, r)
		}
		return &workflowservice.ListWorkflowExecutionsResponse{Executions: match}, nil
	}
	return &workflowservice.ListWorkflowExecutionsResponse{Executions: f.recent}, nil
}

func (f *fakeTemporal) SignalWorkflow(_ context.Context, id, _, name string, arg any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.signaled = append(f.signaled, id+" "+name)
	return nil
}

func (f *fakeTemporal) ScheduleClient() client.ScheduleClient { return fakeSchedules{f: f} }

func (f *fakeTemporal) Close() {}

type fakeRun struct {
	f         *fakeTemporal
	id, runID string
}

func (r fakeRun) GetID() string                  { return r.id }
func (r fakeRun) GetRunID() string               { return r.runID }
func (r fakeRun) GetFirstExecutionRunID() string { return "run-1" }
func (r fakeRun) GetWithOptions(ctx context.Context, v any, _ client.WorkflowRunGetOptions) error {
	return r.Get(ctx, v)
}

// Get returns the run's error or result once the run is closed; a run
// listed as failed (status) answers with the fake's error at once.
func (r fakeRun) Get(ctx context.Context, v any) error {
	if r.runID != "run-1" && r.runID != "" {
		return r.f.runErr
	}
	select {
	case <-r.f.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	if r.f.runErr != nil {
		return r.f.runErr
	}
	if v == nil || r.f.result == nil {
		return nil
	}
	b, err := json.Marshal(r.f.result)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

type fakeHistory struct {
	events []*historypb.HistoryEvent
}

func (h *fakeHistory) HasNext() bool { return len(h.events) > 0 }
func (h *fakeHistory) Next() (*historypb.HistoryEvent, error) {
	ev := h.events[0]
	h.events = h.events[1:]
	return ev, nil
}

type encodedValue struct{ p *commonpb.Payloads }

func (v encodedValue) HasValue() bool { return v.p != nil }
func (v encodedValue) Get(ptr any) error {
	return converter.GetDefaultDataConverter().FromPayloads(v.p, ptr)
}

type fakeSchedules struct {
	client.ScheduleClient
	f *fakeTemporal
}

func (s fakeSchedules) GetHandle(_ context.Context, id string) client.ScheduleHandle {
	return fakeScheduleHandle{id: id, desc: s.f.schedules[id]}
}

type fakeScheduleHandle struct {
	client.ScheduleHandle
	id   string
	desc *client.ScheduleDescription
}

func (h fakeScheduleHandle) GetID() string { return h.id }
func (h fakeScheduleHandle) Describe(context.Context) (*client.ScheduleDescription, error) {
	if h.desc == nil {
		return nil, serviceerror.NewNotFound("schedule not found")
	}
	return h.desc, nil
}

// testShopsYAML is a shops file for shop demo whose secrets cannot be read
// here: an unset environment variable and a missing file.
const testShopsYAML = `shops:
  - code: demo
    name: Demo shop
    ecforce:
      base_url: https://shop.example.com/api/v2
      api_token: {env: STARTER_TEST_UNSET_TOKEN}
    logiless:
      merchant_id: 1
      store_id: 2
      client_id: cid
      client_secret: {file: secrets/no-such-secret}
      redirect_uri: https://example.com/cb
    location_code: default
    mapping_file: mapping.csv
`

const testMappingCSV = "sku,article_code\nTS-WHT-M,TS-WHT-M\nGIFT-X,GIFT-X\n"

// setupSettings writes the test shops file and mapping table and points
// the CONNECTOR_* settings at them; it returns the directory.
func setupSettings(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range map[string]string{"shops.yaml": testShopsYAML, "mapping.csv": testMappingCSV} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("STARTER_TEST_UNSET_TOKEN", "")
	os.Unsetenv("STARTER_TEST_UNSET_TOKEN")
	t.Setenv("CONNECTOR_SHOPS_FILE", filepath.Join(dir, "shops.yaml"))
	t.Setenv("CONNECTOR_STATE_DIR", filepath.Join(dir, "state"))
	t.Setenv("CONNECTOR_WEB_UI_URL", "http://ui.test")
	t.Setenv("CONNECTOR_TEMPORAL_ADDRESS", "127.0.0.1:1")
	t.Setenv("CONNECTOR_PAYLOAD_KEYS_FILE", "")
	return dir
}

// runStarter runs the starter's command line in the test process.
func runStarter(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut strings.Builder
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code = execute(ctx, args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
