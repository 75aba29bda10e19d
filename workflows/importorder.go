package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/ecforce-logiless/connector/activities"
	"github.com/ecforce-logiless/connector/salesorder"
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
	// IgnoreFilters imports an order outside order_import.states or not
	// yet due (starter import-order --ignore-filters); never a cancelled
	// one.
	IgnoreFilters bool
}

// WaitingConfirmationChangeID is the workflow.GetVersion change with which
// an import whose LOGILESS order waits on 確認待ち
// (waiting_for_confirmation=1) ends with the outcome
// OutcomeImportedWaitingConfirmation instead of imported or
// already-in-logiless.
const WaitingConfirmationChangeID = "waiting-confirmation-outcome"

// WaitingConfirmationVersion is the version of
// WaitingConfirmationChangeID that sets the outcome.
const WaitingConfirmationVersion workflow.Version = 1

// ImportOrderResult says what the import did.
type ImportOrderResult struct {
	Shop           string
	OrderNumber    string
	SalesOrderID   int64
	SalesOrderCode string
	// Outcome is OutcomeImported (created now), OutcomeAlreadyPresent, or
	// OutcomeImportedWaitingConfirmation (LOGILESS holds it on 確認待ち).
	Outcome string
	Lines   int
	// WaitingForConfirmation: LOGILESS put the order on 確認待ち.
	WaitingForConfirmation bool
	// StateSet is the 対応状況 written to ecforce, "" when none was.
	StateSet string
	// StateSkipped says why a configured state was not written.
	StateSkipped string
	// CancelStarted is the ChangeOrder run started because the order was
	// found cancelled in ecforce after (or while) LOGILESS got it.
	CancelStarted string
}

// CanceledWhileImportingChangeID is the workflow.GetVersion change with
// which an import that finds its order cancelled in ecforce once LOGILESS
// holds it (cancelled while the import waited, or an order imported
// earlier and cancelled since) starts the order's ChangeOrder run at once.
// It is asked only then, so other histories replay unchanged.
const CanceledWhileImportingChangeID = "canceled-while-importing"

// CanceledWhileImportingVersion is the version of
// CanceledWhileImportingChangeID that starts it.
const CanceledWhileImportingVersion workflow.Version = 1

// cancelWhileImporting starts (or wakes) the ChangeOrder run of an order
// the import found cancelled: it cancels the sales order if the warehouse
// has not started, or waits as blocked:CancelTooLate. Runs recorded before
// CanceledWhileImportingVersion leave it to the discoveries.
func cancelWhileImporting(ctx workflow.Context, shop, orderNumber string, orderID int64) (string, error) {
	if workflow.GetVersion(ctx, CanceledWhileImportingChangeID, workflow.DefaultVersion, CanceledWhileImportingVersion) < CanceledWhileImportingVersion {
		return "", nil
	}
	run := changeOrderRun(shop, orderNumber, orderID, false)
	doing(ctx, "order %s was cancelled in ecforce: starting %s", orderNumber, run.id)
	if _, _, err := startOrderRuns(ctx, shop, FlowOrderChange, []orderRun{run}); err != nil {
		return "", err
	}
	return run.id, nil
}

// ImportOrder imports one ecforce order into LOGILESS: read the shop's
// switches, map the lines and create the sales order exactly once, then, if
// order_import.imported_state is set, mark the ecforce order with that
// "imported" 対応状況.
//
// An unmapped SKU, an unknown payment or delivery method, or anything else
// a person fixes by changing data or settings (activities.IsBlocking) makes
// the run wait as blocked:<type>, naming what to fix; nothing is created
// until it is fixed and the run is woken (untilUnblocked). Runs recorded
// before BlockedWaitsVersion fail instead, and the next discovery starts a
// new run once the cause is fixed.
func ImportOrder(ctx workflow.Context, in ImportOrderInput) (ImportOrderResult, error) {
	res := ImportOrderResult{Shop: in.Shop, OrderNumber: in.OrderNumber}
	ctx = restartable(ctx, ImportOrder, in)
	if err := markOrderRunning(ctx, in.Shop, in.OrderNumber, FlowOrderImport); err != nil {
		return res, err
	}
	sw, fromSwitches, err := readShopSwitches(ctx, in.Shop)
	if err != nil {
		return res, fail(ctx, err)
	}

	var a *activities.OrderImport

	var created activities.CreateSalesOrderResult
	doing(ctx, "creating the LOGILESS 受注伝票 of %s", in.OrderNumber)
	err = untilUnblocked(ctx, func(ctx workflow.Context) error {
		return workflow.ExecuteActivity(step(ctx, orderStepOptions, stepCreateSalesOrder), a.CreateSalesOrder, activities.CreateSalesOrderInput{
			Shop:          in.Shop,
			OrderNumber:   in.OrderNumber,
			OrderID:       in.OrderID,
			CodeLookup:    in.CodeLookup,
			IgnoreFilters: in.IgnoreFilters,
		}).Get(ctx, &created)
	})
	if err != nil {
		return res, fail(ctx, err)
	}
	res.SalesOrderID, res.SalesOrderCode, res.Lines = created.SalesOrderID, created.SalesOrderCode, created.Lines
	res.WaitingForConfirmation = created.WaitingForConfirmation
	res.Outcome = OutcomeAlreadyPresent
	if created.Created {
		res.Outcome = OutcomeImported
	}
	if created.WaitingForConfirmation &&
		workflow.GetVersion(ctx, WaitingConfirmationChangeID, workflow.DefaultVersion, WaitingConfirmationVersion) >= WaitingConfirmationVersion {
		res.Outcome = OutcomeImportedWaitingConfirmation
	}

	canceled := created.OrderState == salesorder.StateCanceled
	importedState := sw.OrderImport.ImportedState
	if !fromSwitches {
		importedState = created.ThenSetState // runs recorded before ShopSwitchesVersion
	}
	if importedState != "" {
		tellOwnWrite(ctx, in.Shop, created)
		var marked activities.MarkOrderImportedResult
		doing(ctx, "setting 対応状況 of %s to %s", in.OrderNumber, importedState)
		err := untilUnblocked(ctx, func(ctx workflow.Context) error {
			return workflow.ExecuteActivity(step(ctx, orderStepOptions, stepSetState), a.MarkOrderImported, activities.MarkOrderImportedInput{
				Shop:          in.Shop,
				OrderID:       created.OrderID,
				OrderNumber:   in.OrderNumber,
				State:         importedState,
				StateWhenRead: created.OrderState,
				ReadAt:        created.ReadAt,
			}).Get(ctx, &marked)
		})
		if err != nil {
			return res, fail(ctx, err)
		}
		if marked.Changed {
			res.StateSet = importedState
		}
		res.StateSkipped = marked.SkippedBecause
		canceled = canceled || marked.Canceled
	}
	if canceled {
		if res.CancelStarted, err = cancelWhileImporting(ctx, in.Shop, in.OrderNumber, created.OrderID); err != nil {
			return res, fail(ctx, err)
		}
	}

	if err := setOutcome(ctx, res.Outcome); err != nil {
		return res, err
	}
	return res, nil
}
