package salesorder

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/ecforce"
)

func TestFilters(t *testing.T) {
	now := time.Date(2026, 11, 28, 23, 30, 0, 0, ecforce.JST)
	day := func(d int) ecforce.Time { return ecforce.Time{Time: time.Date(2026, 11, d, 0, 0, 0, 0, ecforce.JST)} }
	on := Filters{States: []string{"complete", "wmswait"}, OnlyDueTodayOrEarlier: true}
	off := Filters{States: []string{"complete"}}
	tests := []struct {
		name        string
		f           Filters
		state       string
		ship        ecforce.Time
		ignore      bool
		wantErr     []string // "" = admitted
		overridable bool
	}{
		{name: "in the states, due today", f: on, state: "wmswait", ship: day(28)},
		{name: "no 発送予定日 is due", f: on, state: "complete"},
		{name: "past date", f: on, state: "complete", ship: day(1)},
		{name: "state not imported", f: on, state: "new", ship: day(28), wantErr: []string{`"new"`, "order_import.states [complete, wmswait]", "--ignore-filters"}, overridable: true},
		{name: "tomorrow with the filter on", f: on, state: "complete", ship: day(29), wantErr: []string{"2026-11-29", "only_due_today_or_earlier", "--ignore-filters"}, overridable: true},
		{name: "tomorrow with the filter off", f: off, state: "complete", ship: day(29)},
		{name: "outside, ignored on request", f: on, state: "new", ship: day(30), ignore: true},
		{name: "cancelled", f: on, state: "canceled", wantErr: []string{"cancelled", "never imported"}},
		{name: "cancelled, even with --ignore-filters", f: on, state: "canceled", ignore: true, wantErr: []string{"never imported"}},
		{name: "canceled listed as a state is still refused", f: Filters{States: []string{"canceled"}}, state: "canceled", wantErr: []string{"never imported"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := ecforce.Order{Number: "EC1", State: tt.state, ScheduledToBeShippedAt: tt.ship}
			err := tt.f.Check(o, now, tt.ignore)
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Check = %v, want admitted", err)
				}
				return
			}
			var outside *OutsideFiltersError
			if !errors.As(err, &outside) || outside.Overridable != tt.overridable {
				t.Fatalf("Check = %v, want an OutsideFiltersError (overridable %t)", err, tt.overridable)
			}
			for _, w := range append(tt.wantErr, "EC1") {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not mention %q", err, w)
				}
			}
			if !tt.overridable && strings.Contains(err.Error(), "--ignore-filters") {
				t.Errorf("%q offers --ignore-filters for an order it can never import", err)
			}
		})
	}
}
