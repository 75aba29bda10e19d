package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	sdkpb "go.temporal.io/api/sdk/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/ecforce-logiless/connector/payloadcodec"
)

// pollEvery is how often a --wait looks at the run's progress.
var pollEvery = 2 * time.Second

// queryWorkflowMetadata is Temporal's built-in query that returns a run's
// user metadata, among it the current details the workflow sets.
const queryWorkflowMetadata = "__temporal_workflow_metadata"

// runSnapshot is what Temporal says of the latest run of a workflow ID.
type runSnapshot struct {
	runID   string
	status  enumspb.WorkflowExecutionStatus
	started time.Time
	pending []*workflowpb.PendingActivityInfo
}

// progressFunc describes a running run in one line. key changes when
// something worth a new line in a log happens (elapsed time is not).
type progressFunc func(ctx context.Context, s *session, id string, snap runSnapshot, waited time.Duration) (line, key string)

// waitSpec is a run to wait for.
type waitSpec struct {
	run      client.WorkflowRun // Get follows continue-as-new to the last run
	what     string             // "import of order X of shop S", for the failure
	progress progressFunc       // nil: describeRun
	result   any                // the run's result is decoded into it
}

// wait waits for w's run to close, showing progress on progress (one
// rewritten line on a terminal, a line per change otherwise), and returns
// the ID of the run that closed. A run that did not complete is a
// *runFailed.
func (s *session) wait(ctx context.Context, progress io.Writer, w waitSpec) (string, error) {
	id := w.run.GetID()
	if w.progress == nil {
		w.progress = describeRun
	}
	done := make(chan error, 1)
	go func() { done <- w.run.Get(ctx, w.result) }()
	line := newProgressLine(progress)
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	start := time.Now()
	for {
		select {
		case err := <-done:
			line.clear()
			runID := w.run.GetRunID()
			if snap, derr := s.snapshot(context.WithoutCancel(ctx), id); derr == nil && snap.runID != "" {
				runID = snap.runID
			}
			link := s.runLink(id, runID)
			if ctx.Err() != nil {
				return runID, fmt.Errorf("stopped waiting (%v); the run goes on\nrun: %s", ctx.Err(), link)
			}
			if err != nil {
				return runID, &runFailed{what: w.what, link: link, err: err}
			}
			return runID, nil
		case <-tick.C:
			snap, err := s.snapshot(ctx, id)
			if err != nil || snap.status != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
				continue
			}
			text, key := w.progress(ctx, s, id, snap, time.Since(start))
			line.show(text, key, time.Now())
		}
	}
}

// snapshot describes the latest run of workflow id.
func (s *session) snapshot(ctx context.Context, id string) (runSnapshot, error) {
	resp, err := s.client.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		return runSnapshot{}, err
	}
	info := resp.GetWorkflowExecutionInfo()
	return runSnapshot{
		runID:   info.GetExecution().GetRunId(),
		status:  info.GetStatus(),
		started: info.GetStartTime().AsTime(),
		pending: resp.GetPendingActivities(),
	}, nil
}

// describeRun is the progress of a run without its own: how long it runs,
// what the workflow says it does (its current details), and the activities
// that are retrying with their last error.
func describeRun(ctx context.Context, s *session, id string, snap runSnapshot, waited time.Duration) (string, string) {
	parts := []string{}
	if d := s.currentDetails(ctx, id, snap.runID); d != "" {
		parts = append(parts, d)
	}
	parts = append(parts, retrying(snap.pending, s.dataConverter())...)
	key := strings.Join(parts, " · ")
	return strings.Join(append([]string{"running " + formatElapsed(waited)}, parts...), " · "), key
}

// retrying describes the pending activities past their first attempt; dc
// opens failure messages that are encrypted.
func retrying(pending []*workflowpb.PendingActivityInfo, dc converter.DataConverter) []string {
	var out []string
	for _, a := range pending {
		if a.GetAttempt() <= 1 {
			continue
		}
		msg := fmt.Sprintf("%s attempt %d", a.GetActivityType().GetName(), a.GetAttempt())
		if f := a.GetLastFailure(); f != nil {
			msg += ": " + oneLine(payloadcodec.FailureMessage(dc, f))
		}
		out = append(out, msg)
	}
	return out
}

// currentDetails is what the run's workflow says it is doing (its current
// details), or "" when the worker does not answer quickly.
func (s *session) currentDetails(ctx context.Context, id, runID string) string {
	qctx, cancel := context.WithTimeout(ctx, pollEvery)
	defer cancel()
	v, err := s.client.QueryWorkflow(qctx, id, runID, queryWorkflowMetadata)
	if err != nil || v == nil || !v.HasValue() {
		return ""
	}
	var md sdkpb.WorkflowMetadata
	if v.Get(&md) != nil {
		return ""
	}
	return oneLine(md.GetCurrentDetails())
}

// progressLine shows progress: rewritten in place on a terminal, a line
// per change (or per minute) otherwise.
type progressLine struct {
	w       io.Writer
	tty     bool
	shown   bool
	lastKey string
	lastAt  time.Time
}

// maxProgressWidth keeps a rewritten line on one terminal row.
const maxProgressWidth = 110

func newProgressLine(w io.Writer) *progressLine {
	return &progressLine{w: w, tty: isTerminal(w)}
}

func (p *progressLine) show(text, key string, now time.Time) {
	if p.tty {
		if r := []rune(text); len(r) > maxProgressWidth {
			text = string(r[:maxProgressWidth-1]) + "…"
		}
		fmt.Fprintf(p.w, "\r\033[K%s", text)
		p.shown = true
		return
	}
	if p.shown && key == p.lastKey && now.Sub(p.lastAt) < time.Minute {
		return
	}
	fmt.Fprintln(p.w, text)
	p.shown, p.lastKey, p.lastAt = true, key, now
}

func (p *progressLine) clear() {
	if p.tty && p.shown {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// formatElapsed prints d rounded to the second (to the minute past an hour).
func formatElapsed(d time.Duration) string {
	if d >= time.Hour {
		return d.Round(time.Minute).String()
	}
	return d.Round(time.Second).String()
}
