package salesorder

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ecforce-logiless/connector/ecforce"
)

// StateCanceled is ecforce's キャンセル: an order in it is never imported.
const StateCanceled = "canceled"

// Filters are the shop's choice of which ecforce orders to import: the
// discovery lists by them, and the import checks them again before it
// creates anything, so a manual run of an order outside them, or an order
// cancelled since it was listed, is refused.
type Filters struct {
	// States are order_import.states: the 対応状況 keys to import.
	States []string
	// OnlyDueTodayOrEarlier is order_import.only_due_today_or_earlier: an
	// order whose 発送予定日 is tomorrow or later (JST) waits for its day.
	OnlyDueTodayOrEarlier bool
}

// Admits reports whether an order in 対応状況 state is imported at all.
func (f Filters) Admits(state string) bool {
	return state != StateCanceled && slices.Contains(f.States, state)
}

// NotYetDue reports whether the order waits for its 発送予定日: the filter
// is on and the date is tomorrow or later in JST as of now. An order
// without a 発送予定日 is due.
func (f Filters) NotYetDue(o ecforce.Order, now time.Time) bool {
	if !f.OnlyDueTodayOrEarlier || o.ScheduledToBeShippedAt.IsZero() {
		return false
	}
	y, m, d := now.In(ecforce.JST).Date()
	tomorrow := time.Date(y, m, d+1, 0, 0, 0, 0, ecforce.JST)
	return !o.ScheduledToBeShippedAt.Before(tomorrow)
}

// Check returns an *OutsideFiltersError when the order must not be
// imported now, nil when it may. ignore (a manual run with
// --ignore-filters) lets an order outside the filters through; nothing
// lets a cancelled order through.
func (f Filters) Check(o ecforce.Order, now time.Time, ignore bool) error {
	switch {
	case o.State == StateCanceled:
		return &OutsideFiltersError{OrderNumber: o.Number,
			Reason: "it is cancelled (対応状況 canceled) in ecforce; a cancelled order is never imported"}
	case ignore:
		return nil
	case !f.Admits(o.State):
		return &OutsideFiltersError{OrderNumber: o.Number, Overridable: true,
			Reason: fmt.Sprintf("its 対応状況 %q is not in order_import.states [%s]", o.State, strings.Join(f.States, ", "))}
	case f.NotYetDue(o, now):
		return &OutsideFiltersError{OrderNumber: o.Number, Overridable: true,
			Reason: fmt.Sprintf("its 発送予定日 %s is after today and only_due_today_or_earlier is on; it is imported on that day",
				o.ScheduledToBeShippedAt.In(ecforce.JST).Format(time.DateOnly))}
	}
	return nil
}

// OutsideFiltersError says why an order is not imported. Nothing is
// created and nothing is written to ecforce.
type OutsideFiltersError struct {
	OrderNumber string
	Reason      string
	// Overridable is true when --ignore-filters would import it.
	Overridable bool
}

func (e *OutsideFiltersError) Error() string {
	msg := fmt.Sprintf("order %s is not imported: %s", e.OrderNumber, e.Reason)
	if e.Overridable {
		msg += "; to import it anyway run starter import-order with --ignore-filters"
	}
	return msg
}
