package logilessapi

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

// Limits of list and search requests.
const (
	defaultLimit = 20
	maxLimit     = 100
	maxSearch    = 100
)

// listQuery reads LOGILESS list parameters and collects validation errors.
type listQuery struct {
	q    url.Values
	errs map[string]string
}

func newListQuery(r *http.Request) *listQuery {
	return &listQuery{q: r.URL.Query(), errs: map[string]string{}}
}

func (q *listQuery) paging() (page, limit int) {
	page, limit = 1, defaultLimit
	if s := q.q.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			q.errs["page"] = "1以上の値にしてください。"
		}
		page = n
	}
	if s := q.q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		switch {
		case err != nil || n < 1:
			q.errs["limit"] = "1以上の値にしてください。"
		case n > maxLimit:
			q.errs["limit"] = fmt.Sprintf("%d以下の値にしてください。", maxLimit)
		}
		limit = n
	}
	return page, limit
}

// list returns a comma-separated filter, or nil when absent.
func (q *listQuery) list(name string) []string {
	s := q.q.Get(name)
	if s == "" {
		return nil
	}
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (q *listQuery) integer(name string) (int64, bool) {
	s := q.q.Get(name)
	if s == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		q.errs[name] = msgInvalidValue
		return 0, false
	}
	return n, true
}

// flag reads a 0/1 filter.
func (q *listQuery) flag(name string) (on, set bool) {
	switch q.q.Get(name) {
	case "":
		return false, false
	case "1":
		return true, true
	case "0":
		return false, true
	}
	q.errs[name] = msgInvalidValue
	return false, false
}

// timeRange reads name_from / name_to ("Y-m-d H:i:s" or "Y-m-d", JST).
// Both bounds are inclusive.
func (q *listQuery) timeRange(name string) timeRange {
	var tr timeRange
	for _, side := range []string{"_from", "_to"} {
		s := q.q.Get(name + side)
		if s == "" {
			continue
		}
		t, err := time.ParseInLocation(timeLayout, s, httpfake.JST)
		if err != nil {
			t, err = time.ParseInLocation(dateLayout, s, httpfake.JST)
			if err == nil && side == "_to" {
				t = t.Add(24*time.Hour - time.Second)
			}
		}
		if err != nil {
			q.errs[name+side] = msgBadDateTime
			continue
		}
		if side == "_from" {
			tr.from = t
		} else {
			tr.to = t
		}
	}
	return tr
}

type timeRange struct{ from, to time.Time }

func (tr timeRange) match(t time.Time) bool {
	if tr.from.IsZero() && tr.to.IsZero() {
		return true
	}
	if t.IsZero() {
		return false
	}
	t = t.Truncate(time.Second)
	return (tr.from.IsZero() || !t.Before(tr.from)) && (tr.to.IsZero() || !t.After(tr.to))
}

func matchList(vals []string, v string) bool { return vals == nil || slices.Contains(vals, v) }

// serveList answers a list request. It reads the paging parameters, then
// the handler's own filters through filter, which returns the records to
// list and whether one matches (both called with the lock held). Bad
// parameters get 400 Validation Failed; otherwise the answer is one page of
// the matching records, each rendered, in LOGILESS's paging envelope.
func serveList[T, R any](l *Server, w http.ResponseWriter, r *http.Request,
	filter func(q *listQuery) (records func() []T, match func(T) bool), render func(T) R) {
	q := newListQuery(r)
	page, limit := q.paging()
	records, match := filter(q)
	if len(q.errs) > 0 {
		l.validationFailed(w, q.errs)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var hits []T
	for _, rec := range records() {
		if match(rec) {
			hits = append(hits, rec)
		}
	}
	lo := min((page-1)*limit, len(hits))
	data := []any{}
	for _, h := range hits[lo:min(lo+limit, len(hits))] {
		data = append(data, render(h))
	}
	l.writeJSON(w, http.StatusOK, map[string]any{"data": data, "current_page": page, "limit": limit, "total_count": len(hits)})
}
