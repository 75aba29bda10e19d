package stocksync

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/ecforce-logiless/connector/httpapi"
)

func TestSummaryAddIsBounded(t *testing.T) {
	var total Summary
	for range 3 {
		var page Summary
		for i := range MaxChanges {
			page.change(Change{SKU: fmt.Sprint(i), To: 1})
			page.problem(Problem{SKU: fmt.Sprint(i)})
		}
		page.Written = MaxChanges
		total.Add(page)
	}
	if total.Changed != 3*MaxChanges || total.Written != 3*MaxChanges || total.ProblemCount != 3*MaxChanges {
		t.Errorf("counts = %+v", total)
	}
	if len(total.Changes) != MaxChanges || len(total.Problems) != MaxProblems {
		t.Errorf("lists hold %d changes and %d problems", len(total.Changes), len(total.Problems))
	}
}

func TestSummaryAddAddsEveryCount(t *testing.T) {
	one := Summary{Read: 1, Unchanged: 2, Changed: 3, Written: 4, Failed: 5, ProblemCount: 6,
		Skipped: Skips{ArticleUnknown: 7, SetNotComputable: 8, MissingAtLocation: 9, Unlimited: 10, AutoSyncOff: 11}}
	var s Summary
	s.Add(one)
	s.Add(one)
	want := Summary{Read: 2, Unchanged: 4, Changed: 6, Written: 8, Failed: 10, ProblemCount: 12,
		Skipped: Skips{ArticleUnknown: 14, SetNotComputable: 16, MissingAtLocation: 18, Unlimited: 20, AutoSyncOff: 22}}
	if s.Read != want.Read || s.Unchanged != want.Unchanged || s.Changed != want.Changed || s.Written != want.Written ||
		s.Failed != want.Failed || s.ProblemCount != want.ProblemCount || s.Skipped != want.Skipped {
		t.Errorf("sum = %+v, want %+v", s, want)
	}
	if s.Skipped.Total() != 90 {
		t.Errorf("skipped total = %d", s.Skipped.Total())
	}
}

func TestSplitOnRejection(t *testing.T) {
	bad := map[int]bool{3: true, 6: true}
	var calls int
	var rejected []int
	err := splitOnRejection([]int{0, 1, 2, 3, 4, 5, 6, 7}, func(b []int) error {
		calls++
		for _, v := range b {
			if bad[v] {
				return &httpapi.StatusError{StatusCode: http.StatusUnprocessableEntity}
			}
		}
		return nil
	}, func(v int, _ error) { rejected = append(rejected, v) })
	if err != nil || !slices.Equal(rejected, []int{3, 6}) {
		t.Errorf("rejected %v, err %v", rejected, err)
	}
	if calls > 15 {
		t.Errorf("%d calls", calls)
	}
	// Anything but a rejection is returned as it is.
	outage := &httpapi.StatusError{StatusCode: http.StatusServiceUnavailable}
	if err := splitOnRejection([]int{1, 2}, func([]int) error { return outage }, func(int, error) { t.Error("rejected on a 503") }); err != outage {
		t.Errorf("err = %v", err)
	}
}
