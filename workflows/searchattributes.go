package workflows

import (
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Search attributes the connector sets on every run so operators can filter
// in the Web UI, e.g. ConnectorShop="demo" AND ConnectorOutcome="failed".
// They must be registered on the Temporal server (make demo and the e2e
// tests do; see README for a production cluster).
var (
	ShopAttribute        = temporal.NewSearchAttributeKeyKeyword("ConnectorShop")
	OrderNumberAttribute = temporal.NewSearchAttributeKeyKeyword("ConnectorOrderNumber")
	FlowAttribute        = temporal.NewSearchAttributeKeyKeyword("ConnectorFlow")
	OutcomeAttribute     = temporal.NewSearchAttributeKeyKeyword("ConnectorOutcome")
)

// SearchAttributeNames lists every custom search attribute with its type, in
// the form `temporal operator search-attribute create` and the dev server's
// --search-attribute flag take.
var SearchAttributeNames = map[string]string{
	ShopAttribute.GetName():        "Keyword",
	OrderNumberAttribute.GetName(): "Keyword",
	FlowAttribute.GetName():        "Keyword",
	OutcomeAttribute.GetName():     "Keyword",
}

// Outcome values of ConnectorOutcome.
const (
	OutcomeRunning        = "running"
	OutcomeImported       = "imported"
	OutcomeAlreadyPresent = "already-in-logiless"
	OutcomeFailed         = "failed"
	OutcomeCompleted      = "completed"
	OutcomeDisabled       = "disabled"
	// OutcomeImportedWaitingConfirmation: LOGILESS holds the order on
	// 確認待ち (waiting_for_confirmation=1), e.g. an article code its master
	// does not know; someone must confirm it in LOGILESS.
	OutcomeImportedWaitingConfirmation = "imported-waiting-confirmation"
)

// Outcome values of a NotifyShipment run.
const (
	// OutcomeNotified: this run wrote something to ecforce (shipping,
	// capture or 対応状況).
	OutcomeNotified = "notified"
	// OutcomeAlreadyNotified: ecforce already had everything; nothing
	// was written.
	OutcomeAlreadyNotified = "already-in-ecforce"
	// OutcomeCanceled: the ecforce order is キャンセル; nothing was written
	// (no slip, no capture, no 対応状況).
	OutcomeCanceled = "canceled-in-ecforce"
)

// Outcome values of a ReconcileStock run (besides completed, disabled and
// failed).
const (
	// OutcomeCompletedWithProblems: the sync finished, but some SKUs failed,
	// are missing at the location or have an unknown article; the result's
	// Problems list them.
	OutcomeCompletedWithProblems = "completed-with-problems"
	// OutcomeDryRun: a --dry-run; nothing was written.
	OutcomeDryRun = "dry-run"
)

// markRunning sets the search attributes of a run of a shop as it starts: a
// discovery or a stock sync.
func markRunning(ctx workflow.Context, shop, flow string) error {
	return workflow.UpsertTypedSearchAttributes(ctx,
		ShopAttribute.ValueSet(shop),
		FlowAttribute.ValueSet(flow),
		OutcomeAttribute.ValueSet(OutcomeRunning),
	)
}

// markOrderRunning sets the search attributes of one order's run as it
// starts (an import or a shipment notification).
func markOrderRunning(ctx workflow.Context, shop, orderNumber, flow string) error {
	return workflow.UpsertTypedSearchAttributes(ctx,
		ShopAttribute.ValueSet(shop),
		OrderNumberAttribute.ValueSet(orderNumber),
		FlowAttribute.ValueSet(flow),
		OutcomeAttribute.ValueSet(OutcomeRunning),
	)
}

// setOutcome sets the run's ConnectorOutcome. Failures set theirs through
// fail.
func setOutcome(ctx workflow.Context, outcome string) error {
	return workflow.UpsertTypedSearchAttributes(ctx, OutcomeAttribute.ValueSet(outcome))
}
