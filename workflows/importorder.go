package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/ecforce-logiless/connector/activities"
)

// ImportOrderInput names one ecforce order of one shop.
type ImportOrderInput struct {
	Shop        string
	OrderNumber string // 受注番号
	// OrderID is ecforce's numeric id, 0 when only the number is known.
	OrderID int64
	// CodeLookup is what discovery saw in LOGILESS (activities.LookupFound
	// or LookupNotFound), "" when nobody looked.
	CodeLookup string
}

// ImportOrderResult says what the import did.
type ImportOrderResult struct {
	Shop           string
	OrderNumber    string
	SalesOrderID   int64
	SalesOrderCode string
	// Outcome is OutcomeImported (created now) or OutcomeAlreadyPresent.
	Outcome string
	Lines   int
	// WaitingForConfirmation: LOGILESS put the order on 確認待ち.
	WaitingForConfirmation bool
	// StateSet is the 対応状況 written to ecforce, "" when none was.
	StateSet string
	// StateSkipped says why a configured state was not written.
	StateSkipped string
}

// ImportOrder imports one ecforce order into LOGILESS: map the lines and
// create the sales order exactly once, then, if the shop says so, mark the
// ecforce order with the "imported" 対応状況.
//
// An unmapped SKU, an unknown payment or delivery method, or anything else
// only a person can fix fails the workflow with a non-retryable error that
// names what to fix; nothing is created. Because import IDs allow a new run
// after a failed one, the next discovery imports the order once it is fixed.
func ImportOrder(ctx workflow.Context, in ImportOrderInput) (ImportOrderResult, error) {
	res := ImportOrderResult{Shop: in.Shop, OrderNumber: in.OrderNumber}
	if err := workflow.UpsertTypedSearchAttributes(ctx,
		ShopAttribute.ValueSet(in.Shop),
		OrderNumberAttribute.ValueSet(in.OrderNumber),
		FlowAttribute.ValueSet(FlowOrderImport),
		OutcomeAttribute.ValueSet(OutcomeRunning),
	); err != nil {
		return res, err
	}

	ctx = workflow.WithActivityOptions(ctx, importActivityOptions)
	var a *activities.OrderImport

	var created activities.CreateSalesOrderResult
	err := workflow.ExecuteActivity(ctx, a.CreateSalesOrder, activities.CreateSalesOrderInput{
		Shop:        in.Shop,
		OrderNumber: in.OrderNumber,
		OrderID:     in.OrderID,
		CodeLookup:  in.CodeLookup,
	}).Get(ctx, &created)
	if err != nil {
		return res, fail(ctx, err)
	}
	res.SalesOrderID, res.SalesOrderCode, res.Lines = created.SalesOrderID, created.SalesOrderCode, created.Lines
	res.WaitingForConfirmation = created.WaitingForConfirmation
	res.Outcome = OutcomeAlreadyPresent
	if created.Created {
		res.Outcome = OutcomeImported
	}

	if created.ThenSetState != "" {
		var marked activities.MarkOrderImportedResult
		err := workflow.ExecuteActivity(ctx, a.MarkOrderImported, activities.MarkOrderImportedInput{
			Shop:          in.Shop,
			OrderID:       created.OrderID,
			OrderNumber:   in.OrderNumber,
			State:         created.ThenSetState,
			StateWhenRead: created.OrderState,
		}).Get(ctx, &marked)
		if err != nil {
			return res, fail(ctx, err)
		}
		if marked.Changed {
			res.StateSet = created.ThenSetState
		}
		res.StateSkipped = marked.SkippedBecause
	}

	if err := workflow.UpsertTypedSearchAttributes(ctx, OutcomeAttribute.ValueSet(res.Outcome)); err != nil {
		return res, err
	}
	return res, nil
}

// importActivityOptions: API calls take seconds; an outage of either API
// keeps the order pending (and visible) for up to a day before it fails and
// is picked up again by a later discovery.
var importActivityOptions = workflow.ActivityOptions{
	StartToCloseTimeout:    2 * time.Minute,
	ScheduleToCloseTimeout: 24 * time.Hour,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    5 * time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    10 * time.Minute,
	},
}

// fail records the failure on the run's outcome attribute, so operators can
// filter ConnectorOutcome="failed", and returns the activity's error, whose
// message says what to fix.
func fail(ctx workflow.Context, err error) error {
	outcome := OutcomeFailed
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && appErr.Type() != "" {
		outcome = OutcomeFailed + ":" + appErr.Type()
	}
	_ = workflow.UpsertTypedSearchAttributes(ctx, OutcomeAttribute.ValueSet(outcome))
	reason := "unknown"
	if appErr != nil && appErr.Type() != "" {
		reason = appErr.Type()
	}
	workflow.GetMetricsHandler(ctx).WithTags(map[string]string{"workflow": workflow.GetInfo(ctx).WorkflowType.Name, "reason": reason}).
		Counter("connector_workflow_failures").Inc(1)
	return err
}
