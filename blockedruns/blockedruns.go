// Package blockedruns finds the runs that wait for a person (outcome
// blocked:<error type>, still running; see workflows/blocked.go) in
// Temporal's visibility, wakes them with the wake signal, and counts them
// by shop, flow and reason. The worker's file watcher, its blocked-runs
// gauge and `starter wake` / `starter status` all go through here, so they
// agree on what "needs a person now" means.
package blockedruns

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/ecforce-logiless/connector/workflows"
)

// Filter narrows the blocked runs; empty fields match everything.
type Filter struct {
	Shop        string
	Flow        string // workflows.FlowOrderImport, …
	OrderNumber string // 受注番号
}

// Query is the visibility query of the blocked runs f selects:
// ExecutionStatus="Running" AND ConnectorOutcome STARTS_WITH "blocked:"
// and the filter's attributes.
func Query(f Filter) string {
	q := fmt.Sprintf(`ExecutionStatus="Running" AND %s STARTS_WITH %q`, workflows.OutcomeAttribute.GetName(), workflows.OutcomeBlockedPrefix)
	for _, c := range []struct{ name, value string }{
		{workflows.ShopAttribute.GetName(), f.Shop},
		{workflows.FlowAttribute.GetName(), f.Flow},
		{workflows.OrderNumberAttribute.GetName(), f.OrderNumber},
	} {
		if c.value != "" {
			q += fmt.Sprintf(` AND %s=%q`, c.name, c.value)
		}
	}
	return q
}

// Run is one blocked run.
type Run struct {
	WorkflowID  string
	RunID       string
	Shop        string
	Flow        string
	OrderNumber string
	// Reason is the error type it waits on (UnmappedSKU, …).
	Reason string
	Start  time.Time
}

// Lister is the part of client.Client this package reads visibility with.
type Lister interface {
	ListWorkflow(ctx context.Context, request *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error)
}

// Signaler is the part of client.Client Wake signals with.
type Signaler interface {
	SignalWorkflow(ctx context.Context, workflowID string, runID string, signalName string, arg interface{}) error
}

// List returns every blocked run f selects, newest first.
func List(ctx context.Context, c Lister, namespace string, f Filter) ([]Run, error) {
	var runs []Run
	var token []byte
	for {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: namespace, Query: Query(f), PageSize: 1000, NextPageToken: token,
		})
		if err != nil {
			return runs, fmt.Errorf("list blocked runs (%s): %w (are the search attributes registered?)", Query(f), err)
		}
		for _, e := range resp.GetExecutions() {
			r := Run{WorkflowID: e.GetExecution().GetWorkflowId(), RunID: e.GetExecution().GetRunId(), Start: e.GetStartTime().AsTime()}
			fields := e.GetSearchAttributes().GetIndexedFields()
			keyword := func(name string) string {
				p, ok := fields[name]
				if !ok {
					return ""
				}
				var v string
				_ = converter.GetDefaultDataConverter().FromPayload(p, &v)
				return v
			}
			r.Shop = keyword(workflows.ShopAttribute.GetName())
			r.Flow = keyword(workflows.FlowAttribute.GetName())
			r.OrderNumber = keyword(workflows.OrderNumberAttribute.GetName())
			r.Reason = strings.TrimPrefix(keyword(workflows.OutcomeAttribute.GetName()), workflows.OutcomeBlockedPrefix)
			runs = append(runs, r)
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			return runs, nil
		}
	}
}

// Client is what Wake needs of client.Client.
type Client interface {
	Lister
	Signaler
}

// Wake signals every blocked run f selects with workflows.WakeSignal and
// reason, and returns the runs it woke. A run that closed meanwhile is
// skipped.
func Wake(ctx context.Context, c Client, namespace string, f Filter, reason string) ([]Run, error) {
	runs, err := List(ctx, c, namespace, f)
	if err != nil {
		return nil, err
	}
	var woken []Run
	for _, r := range runs {
		// The current run of the ID: a blocked run that continued as new
		// is woken in its new run.
		err := c.SignalWorkflow(ctx, r.WorkflowID, "", workflows.WakeSignal, workflows.WakeInput{Reason: reason})
		var notFound *serviceerror.NotFound
		switch {
		case err == nil:
			woken = append(woken, r)
		case errors.As(err, &notFound):
		default:
			return woken, fmt.Errorf("wake %s: %w", r.WorkflowID, err)
		}
	}
	return woken, nil
}

// Key is one series of the blocked-runs gauge.
type Key struct{ Shop, Flow, Reason string }

// Count counts the blocked runs by shop, flow and reason.
func Count(ctx context.Context, c Lister, namespace string) (map[Key]int, error) {
	runs, err := List(ctx, c, namespace, Filter{})
	if err != nil {
		return nil, err
	}
	n := make(map[Key]int)
	for _, r := range runs {
		n[Key{r.Shop, r.Flow, r.Reason}]++
	}
	return n, nil
}

var _ Client = client.Client(nil)
