package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/ecforce-logiless/connector/activities"
)

// A run that meets what a person must fix (an error of a type in
// activities.BlockingErrorTypes) waits instead of failing, so every order
// has one current run and its outcome is its current state: see
// untilUnblocked.

// BlockedWaitsChangeID is the workflow.GetVersion change with which a
// per-order run waits as blocked:<type> on a blocking error instead of
// failing, and with which a discovery wakes the runs whose workflow ID it
// found taken. Runs recorded before it fail as they did.
const BlockedWaitsChangeID = "blocked-waits"

// BlockedWaitsVersion is the version of BlockedWaitsChangeID that waits.
const BlockedWaitsVersion workflow.Version = 1

// OutcomeBlockedPrefix, followed by the error type, is the ConnectorOutcome
// of a run that waits for a person: blocked:UnmappedSKU and so on.
// Operators' query for what needs a person now:
// ExecutionStatus="Running" AND ConnectorOutcome STARTS_WITH "blocked:".
const OutcomeBlockedPrefix = "blocked:"

// WakeSignal is the signal that makes a blocked run try its step again.
// Discoveries, the worker (when a shop's mapping file or a {file:} secret
// changes) and `starter wake` send it; a run that is not blocked keeps it
// and tries once more at once should it block.
const WakeSignal = "wake"

// WakeInput is the payload of WakeSignal.
type WakeInput struct {
	// Reason says who woke the run and why ("discovery", "mapping file
	// changed", "starter wake"); it goes into the run's current details.
	Reason string
}

// maxWakesPerRun bounds the history of a long wait: after this many wakes a
// restartable run continues as new (same input), and so does one whose
// history Temporal suggests continuing.
const maxWakesPerRun = 50

// restartKey is the workflow.Context key of the run's restart: what a
// blocked run continues as new with.
type restartKey struct{}

type restart struct {
	workflow any
	input    any
}

// restartable is ctx with what a run continues as new with when it has
// waited through many wakes: its own workflow function and input. A run
// whose context lacks it waits in one history however long.
func restartable(ctx workflow.Context, wf any, input any) workflow.Context {
	return workflow.WithValue(ctx, restartKey{}, restart{workflow: wf, input: input})
}

// untilUnblocked runs step; an error of a blocking type (at
// BlockedWaitsVersion) makes the run wait instead of returning it: its
// outcome becomes blocked:<type>, its current details say why and what to
// do, and on WakeSignal it sets running and runs step again. Any other
// error (and every error of a run recorded before the change) is returned
// for the caller to fail with. Waiting never polls: only a wake tries
// again. After maxWakesPerRun wakes a restartable run returns the
// continue-as-new error, which fail passes on.
func untilUnblocked(ctx workflow.Context, step func(ctx workflow.Context) error) error {
	wakes := 0
	var ch workflow.ReceiveChannel
	var woken WakeInput
	for {
		err := step(ctx)
		errType := blockingType(err)
		if errType == "" {
			if err == nil && wakes > 0 {
				doing(ctx, "unblocked: woken (%s), the step succeeded at %s", woken.Reason, jstClock(ctx))
			}
			return err
		}
		if workflow.GetVersion(ctx, BlockedWaitsChangeID, workflow.DefaultVersion, BlockedWaitsVersion) < BlockedWaitsVersion {
			return err
		}
		if ch == nil {
			ch = workflow.GetSignalChannel(ctx, WakeSignal)
		}
		block(ctx, errType, err)
		wake := waitForWake(ctx, ch)
		woken = wake
		wakes++
		if r, ok := ctx.Value(restartKey{}).(restart); ok &&
			(wakes >= maxWakesPerRun || workflow.GetInfo(ctx).GetContinueAsNewSuggested()) {
			workflow.GetLogger(ctx).Info("blocked run continues as new", "wakes", wakes, "reason", wake.Reason)
			return workflow.NewContinueAsNewError(ctx, r.workflow, r.input)
		}
		if err := setOutcome(ctx, OutcomeRunning); err != nil {
			return err
		}
		doing(ctx, "woken (%s) at %s; trying again", wake.Reason, jstClock(ctx))
	}
}

// blockingType is the type of err when it is a non-retryable error of a
// blocking type, else "".
func blockingType(err error) string {
	var appErr *temporal.ApplicationError
	if err == nil || !errors.As(err, &appErr) || !activities.IsBlocking(appErr.Type()) {
		return ""
	}
	// A retryable error of such a type never reaches here as a final
	// error unless its retries ran out; it is treated the same.
	return appErr.Type()
}

// block records that the run waits on errType: outcome, current details
// (the cause's line, which names the order and what to do, and how the
// run resumes) and the connector_workflow_blocked counter.
func block(ctx workflow.Context, errType string, err error) {
	outcome := OutcomeBlockedPrefix + errType
	_ = workflow.UpsertTypedSearchAttributes(ctx, OutcomeAttribute.ValueSet(outcome))
	workflow.GetMetricsHandler(ctx).WithTags(map[string]string{"workflow": workflow.GetInfo(ctx).WorkflowType.Name, "reason": errType}).
		Counter("connector_workflow_blocked").Inc(1)
	sa := workflow.GetTypedSearchAttributes(ctx)
	shop, _ := sa.GetKeyword(ShopAttribute)
	order, _ := sa.GetKeyword(OrderNumberAttribute)
	wake := "starter wake --shop " + shop
	if order != "" {
		wake += " --order " + order
	}
	doing(ctx, "%s since %s — %s. Once fixed it resumes by itself (next discovery, or a change of the mapping file or a {file:} secret), or now with `%s`.",
		outcome, jstClock(ctx), oneLine(err), wake)
}

// waitForWake blocks until a WakeSignal arrives and takes every other wake
// already queued with it, so a burst of wakes tries once.
func waitForWake(ctx workflow.Context, ch workflow.ReceiveChannel) WakeInput {
	var in WakeInput
	ch.Receive(ctx, &in)
	for {
		var more WakeInput
		if !ch.ReceiveAsync(&more) {
			break
		}
	}
	if in.Reason == "" {
		in.Reason = "signal"
	}
	return in
}

// jst is the time zone of everything the connector shows people.
var jst = time.FixedZone("JST", 9*60*60)

// jstClock is the workflow's now in JST, for current details.
func jstClock(ctx workflow.Context) string {
	return workflow.Now(ctx).In(jst).Format("2006-01-02 15:04 JST")
}

// credentialTypes are the blocking types that stop a whole shop: its
// credentials were refused.
var credentialTypes = map[string]string{
	activities.ErrTypeCredentialsRejected: "the ecforce API token or login password (ecforce.api_token / ecforce.password)",
	activities.ErrTypeReauthorization:     "the LOGILESS authorization (starter logiless-auth)",
}

// scheduledByAttribute is the search attribute Temporal sets on every run a
// Schedule starts.
const scheduledByAttribute = "TemporalScheduledById"

// endsBlocked reports whether a scheduled shop run (a discovery or a stock
// sync a Schedule started) that err stops ends blocked instead of failing
// (at BlockedWaitsVersion): err is a refused credential, so the run's
// outcome becomes blocked:<type>, its details name the shop and the
// credential, and it completes; the next scheduled run tries again, and the
// shop's per-order runs wait blocked until the credential is fixed. No
// failed run is left behind for what a person fixes in a secret. Manual
// runs (the starter) still fail, so `--wait` reports it.
func endsBlocked(ctx workflow.Context, err error) bool {
	errType := blockingType(err)
	credential, ok := credentialTypes[errType]
	if !ok {
		return false
	}
	info := workflow.GetInfo(ctx)
	if !isScheduledRun(ctx) {
		return false
	}
	sa := workflow.GetTypedSearchAttributes(ctx)
	if order, _ := sa.GetKeyword(OrderNumberAttribute); order != "" {
		return false // per-order runs wait in untilUnblocked
	}
	if workflow.GetVersion(ctx, BlockedWaitsChangeID, workflow.DefaultVersion, BlockedWaitsVersion) < BlockedWaitsVersion {
		return false
	}
	shop, _ := sa.GetKeyword(ShopAttribute)
	outcome := OutcomeBlockedPrefix + errType
	_ = workflow.UpsertTypedSearchAttributes(ctx, OutcomeAttribute.ValueSet(outcome))
	workflow.GetMetricsHandler(ctx).WithTags(map[string]string{"workflow": info.WorkflowType.Name, "reason": errType}).
		Counter("connector_workflow_blocked").Inc(1)
	doing(ctx, "%s since %s — shop %s: %s was refused; fix it (a {file:} secret is re-read without restart). The next scheduled run tries again. %s",
		outcome, jstClock(ctx), shop, credential, oneLine(err))
	return true
}
