package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/httpapi"
	"github.com/ecforce-logiless/connector/logiless"
	"github.com/ecforce-logiless/connector/mapping"
	"github.com/ecforce-logiless/connector/salesorder"
	"github.com/ecforce-logiless/connector/shipment"
)

// Stable error type names of non-retryable failures. Operators filter on
// them; tests assert them; renaming one is a breaking change.
const (
	ErrTypeUnknownShop           = "UnknownShop"
	ErrTypeUnmappedSKU           = "UnmappedSKU"
	ErrTypeUnmappedMethod        = "UnmappedMethod"
	ErrTypeInvalidOrder          = "InvalidOrder"
	ErrTypeOrderNotFound         = "OrderNotFound"
	ErrTypeMappingFileInvalid    = "MappingFileInvalid"
	ErrTypeCredentialsRejected   = "EcforceCredentialsRejected"
	ErrTypeSignInBudget          = "EcforceSignInBudgetExhausted"
	ErrTypeReauthorization       = "LogilessReauthorizationNeeded"
	ErrTypeEcforceRejected       = "EcforceRequestRejected"
	ErrTypeLogilessRejected      = "LogilessRequestRejected"
	ErrTypeStateChangeNotApplied = "EcforceStateNotApplied"
	ErrTypeWindowTooLarge        = "ListingWindowTooLarge"
	// ErrTypeOrderCodeTaken: the order's LOGILESS 受注コード belongs to a
	// sales order of another store of the merchant (another shop's order
	// with the same 受注番号); set order_import.code_prefix.
	ErrTypeOrderCodeTaken = "OrderCodeTaken"
	// ErrTypeMultipleDestinations: the ecforce order ships to several
	// destinations (複数配送先); split it or enter it in LOGILESS by hand.
	ErrTypeMultipleDestinations = "MultipleDestinations"
	// ErrTypeOutsideImportFilters: the order is outside the shop's import
	// filters (対応状況, 発送予定日) or cancelled; a manual run may pass
	// --ignore-filters (never for a cancelled order).
	ErrTypeOutsideImportFilters = "OutsideImportFilters"
	// ErrTypeEditNeedsOperator: an edit of an imported ecforce order that
	// the connector must not or cannot carry over to LOGILESS (the
	// warehouse works on the order, LOGILESS changed it after the
	// connector's last write, a field PUT cannot change, a line change);
	// the message names the fields.
	ErrTypeEditNeedsOperator = "EditNeedsOperator"
)

// Retryable error type names, for filtering pending activities.
const (
	ErrTypeRateLimited = "RateLimited"
	ErrTypeTransient   = "Transient"
)

// Stable error type names of the shipment notification (出荷通知).
const (
	// ErrTypeNotShipped: the LOGILESS order is not (fully) Shipped, or was
	// cancelled; a manual run came too early.
	ErrTypeNotShipped = "LogilessOrderNotShipped"
	// ErrTypeUnmappedCarrier: no ecforce 配送業者 for a LOGILESS
	// delivery_method; add it to shipment_notification.carriers.
	ErrTypeUnmappedCarrier = "UnmappedCarrier"
	// ErrTypeShippingRejected: ecforce refused the shipping record of the
	// order (a per-record failure of PUT orders/shipping).
	ErrTypeShippingRejected = "EcforceShippingRejected"
	// ErrTypeCaptureFailed: 売上処理 ended in a failed payment_state
	// (e.g. sales_failed); an operator must look at the payment in ecforce.
	ErrTypeCaptureFailed = "EcforceCaptureFailed"
	// ErrTypeCaptureUnconfirmed: a capture was (maybe) requested but
	// payment_state never settled; it is not requested again.
	ErrTypeCaptureUnconfirmed = "EcforceCaptureUnconfirmed"
	// ErrTypePaymentNotCapturable: the payment is in a state 売上処理
	// cannot start from (voided, unknown, …).
	ErrTypePaymentNotCapturable = "EcforcePaymentNotCapturable"
	// ErrTypeOrderCanceled: the ecforce order is キャンセル (canceled), so
	// the notification writes nothing to it: no slip, no capture, no
	// 対応状況.
	ErrTypeOrderCanceled = "OrderCanceled"
)

// Stable error type names of the order changes after the import (issue 13).
const (
	// ErrTypeCancelTooLate: the order is キャンセル in ecforce, but its
	// LOGILESS sales order is being shipped or has shipped (Working,
	// PartlyShipped, Shipped), so it cannot be cancelled; stop the parcel
	// in the warehouse, or refund in ecforce. The run cancels it by itself
	// once the warehouse moves it back.
	ErrTypeCancelTooLate = "CancelTooLate"
)

// ErrTypeCreditExamPending is retryable: a deferred payment's credit
// check (与信審査) is still running, so capture waits.
const ErrTypeCreditExamPending = "EcforceCreditExamPending"

// Stable error type names of the stock sync (在庫連動).
const (
	// ErrTypeStockLocationMissing: the shop has no location_code, so there
	// is no ecforce stock location to write to.
	ErrTypeStockLocationMissing = "StockLocationMissing"
	// ErrTypeInvalidStockMode: a stock page was asked for in a mode other
	// than full or incremental (a bug, not an operator error).
	ErrTypeInvalidStockMode = "InvalidStockSyncMode"
)

// nonRetryable is the failure an operator must fix: err's one line, then
// where the runbook of errType is.
func nonRetryable(errType string, err error) error {
	return temporal.NewNonRetryableApplicationError(
		fmt.Sprintf("%s (runbook: docs/errors.md#%s)", err, strings.ToLower(errType)), errType, nil)
}

// orderNotFound is the failure of an ecforce order that is not, or no
// longer, in the shop: by id when id is not 0, else by number. whatToDo
// ends the message.
func orderNotFound(shop string, id int64, number, whatToDo string) error {
	which := "受注番号 " + number
	if id != 0 {
		which = fmt.Sprintf("id %d (受注番号 %s)", id, number)
	}
	return nonRetryable(ErrTypeOrderNotFound, fmt.Errorf("ecforce has no order with %s in shop %s; %s", which, shop, whatToDo))
}

// classify turns an error from a client or the mapping into what Temporal
// should do with it. what says what was being done ("create sales order
// 0000012345 of shop demo"); the client's error already says to what.
func classify(what string, err error) error {
	if err == nil {
		return nil
	}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return err
	}
	wrapped := fmt.Errorf("%s: %w", what, err)

	var unmappedSKU *salesorder.UnmappedSKUError
	var unmappedMethod *salesorder.UnmappedMethodError
	var mappingErr *mapping.ValidationError
	var notShipped *shipment.NotShippedError
	var unmappedCarrier *shipment.UnmappedCarrierError
	var codeTaken *salesorder.CodeTakenError
	var destinations *salesorder.MultipleDestinationsError
	var outside *salesorder.OutsideFiltersError
	switch {
	case errors.As(err, &codeTaken):
		return nonRetryable(ErrTypeOrderCodeTaken, wrapped)
	case errors.As(err, &destinations):
		return nonRetryable(ErrTypeMultipleDestinations, wrapped)
	case errors.As(err, &outside):
		return nonRetryable(ErrTypeOutsideImportFilters, wrapped)
	case errors.As(err, &notShipped):
		return nonRetryable(ErrTypeNotShipped, wrapped)
	case errors.As(err, &unmappedCarrier):
		return nonRetryable(ErrTypeUnmappedCarrier, wrapped)
	case errors.As(err, &unmappedSKU):
		return nonRetryable(ErrTypeUnmappedSKU, wrapped)
	case errors.As(err, &unmappedMethod):
		return nonRetryable(ErrTypeUnmappedMethod, wrapped)
	case errors.Is(err, salesorder.ErrInvalidOrder):
		return nonRetryable(ErrTypeInvalidOrder, wrapped)
	case errors.As(err, &mappingErr):
		return nonRetryable(ErrTypeMappingFileInvalid, wrapped)
	case errors.Is(err, ecforce.ErrCredentialsRejected):
		return nonRetryable(ErrTypeCredentialsRejected, wrapped)
	case errors.Is(err, ecforce.ErrSignInBudgetExhausted):
		// Retrying soon would only hit the same budget; the next scheduled
		// run (or a retry an hour later) will do.
		return temporal.NewApplicationErrorWithOptions(wrapped.Error(), ErrTypeSignInBudget,
			temporal.ApplicationErrorOptions{NextRetryDelay: 20 * time.Minute})
	case errors.Is(err, logiless.ErrReauthorizationNeeded), errors.Is(err, logiless.ErrNotAuthorized):
		return nonRetryable(ErrTypeReauthorization, wrapped)
	case errors.Is(err, context.Canceled):
		return wrapped
	}

	var se *httpapi.StatusError
	if errors.As(err, &se) {
		if se.Retryable() {
			errType := ErrTypeTransient
			if se.StatusCode == 429 {
				errType = ErrTypeRateLimited
			}
			return temporal.NewApplicationErrorWithOptions(wrapped.Error(), errType,
				temporal.ApplicationErrorOptions{NextRetryDelay: se.RetryAfter})
		}
		if se.API == "LOGILESS" {
			return nonRetryable(ErrTypeLogilessRejected, wrapped)
		}
		return nonRetryable(ErrTypeEcforceRejected, wrapped)
	}
	// Transport failures are retried, and so are unknown errors: a bug or
	// an unforeseen answer should leave the order pending and visible
	// rather than silently failed.
	return temporal.NewApplicationError(wrapped.Error(), ErrTypeTransient)
}

// BlockingErrorTypes are the non-retryable error types a person clears by
// changing data or settings: the mapping file, the shops file, a secret, an
// order or payment in ecforce, a sales order in LOGILESS. A per-order run
// that meets one does not fail: it waits as blocked:<type> until it is woken
// (the next discovery, a change of the mapping file or a {file:} secret,
// `starter wake`) and then tries the step again; see workflows/blocked.go.
// Every other non-retryable type fails the run as failed:<type>: no change
// of data or settings makes the same step succeed (a bug, an order that is
// gone, a manual run outside the filters, a capture whose outcome is
// unknown and is never requested again), or the step is not one a wait
// should hold (UnknownShop: a run for a shop this worker has no settings
// for). Add a new type here, one line each, when a person's fix lets the
// step succeed when tried again.
var BlockingErrorTypes = []string{
	ErrTypeUnmappedSKU,           // add the SKU to the mapping file (商品対応表)
	ErrTypeUnmappedMethod,        // map the payment or delivery method
	ErrTypeUnmappedCarrier,       // add the delivery_method to shipment_notification.carriers
	ErrTypeInvalidOrder,          // complete the order (address fields) in ecforce
	ErrTypeOrderCodeTaken,        // set order_import.code_prefix or free the code in LOGILESS
	ErrTypeMultipleDestinations,  // split the order, or enter it in LOGILESS by hand
	ErrTypeMappingFileInvalid,    // correct the mapping file
	ErrTypeCredentialsRejected,   // replace the ecforce token or password in its secret
	ErrTypeReauthorization,       // repeat the LOGILESS authorization (starter logiless-auth)
	ErrTypeStateChangeNotApplied, // add the 対応状況 key to ecforce or fix the setting
	ErrTypeCaptureFailed,         // settle the payment in ecforce (決済状況)
	ErrTypePaymentNotCapturable,  // put the payment in a capturable state in ecforce
	ErrTypeEditNeedsOperator,     // carry the edit over to LOGILESS by hand, or make the two agree
	ErrTypeCancelTooLate,         // stop the parcel and move the order back in LOGILESS, or refund in ecforce
}

// IsBlocking reports whether errType is one of BlockingErrorTypes.
func IsBlocking(errType string) bool {
	for _, t := range BlockingErrorTypes {
		if t == errType {
			return true
		}
	}
	return false
}
