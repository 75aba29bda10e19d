package ecforceapi

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

// This file implements the slice of Rails/ransack behaviour the fake ecforce
// needs: q[<attr>_<predicate>] filters, sort=-a,b and page/per paging.
// Like ransack, unknown attributes, unknown predicates and blank or
// uncastable values are ignored rather than rejected.

type valueKind int

const (
	kindString valueKind = iota
	kindInt
	kindTime
)

// fieldValue is one attribute of a record, typed for comparison.
type fieldValue struct {
	kind valueKind
	s    string
	n    int64
	t    time.Time
	null bool
}

func strVal(s string) fieldValue { return fieldValue{kind: kindString, s: s, null: s == ""} }

func intVal(n int64) fieldValue { return fieldValue{kind: kindInt, n: n} }

func timeVal(t time.Time) fieldValue {
	return fieldValue{kind: kindTime, t: t, null: t.IsZero()}
}

// ransackFields maps attribute names to accessors.
type ransackFields[T any] map[string]func(T) fieldValue

// predicates, longest-suffix first so "_not_eq" wins over "_eq".
var predicates = []string{"not_eq", "not_in", "gteq", "lteq", "eq", "in", "gt", "lt", "cont", "start", "end", "null", "present"}

type condition struct {
	attr, pred string
	values     []string
}

// parseRansack extracts q[...] conditions from a query string.
func parseRansack(q url.Values) []condition {
	var conds []condition
	for key, vals := range q {
		if !strings.HasPrefix(key, "q[") {
			continue
		}
		name := strings.TrimPrefix(key, "q[")
		name = strings.TrimSuffix(name, "[]")
		name = strings.TrimSuffix(name, "]")
		// q[state_in][0]=… style keys
		if i := strings.Index(name, "]["); i >= 0 {
			name = name[:i]
		}
		for _, p := range predicates {
			if attr, ok := strings.CutSuffix(name, "_"+p); ok && attr != "" {
				var nonBlank []string
				for _, v := range vals {
					for _, part := range splitInValue(p, v) {
						if strings.TrimSpace(part) != "" {
							nonBlank = append(nonBlank, part)
						}
					}
				}
				if len(nonBlank) > 0 {
					conds = append(conds, condition{attr: attr, pred: p, values: nonBlank})
				}
				break
			}
		}
	}
	// merge "q[state_in][0]" and "q[state_in][1]" into one condition
	index := map[string]int{}
	var out []condition
	for _, c := range conds {
		k := c.attr + "_" + c.pred
		if i, ok := index[k]; ok {
			out[i].values = append(out[i].values, c.values...)
			continue
		}
		index[k] = len(out)
		out = append(out, c)
	}
	return out
}

// splitInValue lets q[x_in]=a,b behave like q[x_in][]=a&q[x_in][]=b.
func splitInValue(pred, v string) []string {
	if pred == "in" || pred == "not_in" {
		return strings.Split(v, ",")
	}
	return []string{v}
}

// castTo parses a filter value into the kind of the attribute; ok=false means
// the value cannot be cast and the condition is skipped (ransack-style).
func castTo(kind valueKind, s string) (fieldValue, bool) {
	s = strings.TrimSpace(s)
	switch kind {
	case kindInt:
		n, err := strconv.ParseInt(s, 10, 64)
		return intVal(n), err == nil
	case kindTime:
		t, err := httpfake.ParseJST(s)
		return timeVal(t), err == nil
	default:
		return strVal(s), true
	}
}

func compare(a, b fieldValue) int {
	switch a.kind {
	case kindInt:
		switch {
		case a.n < b.n:
			return -1
		case a.n > b.n:
			return 1
		}
		return 0
	case kindTime:
		return a.t.Compare(b.t)
	default:
		return strings.Compare(a.s, b.s)
	}
}

// applyRansack keeps the records matching every condition.
func applyRansack[T any](items []T, q url.Values, fields ransackFields[T]) []T {
	conds := parseRansack(q)
	if len(conds) == 0 {
		return items
	}
	var out []T
	for _, it := range items {
		if matchAll(it, conds, fields) {
			out = append(out, it)
		}
	}
	return out
}

func matchAll[T any](it T, conds []condition, fields ransackFields[T]) bool {
	for _, c := range conds {
		get, ok := fields[c.attr]
		if !ok {
			continue // unknown attribute: ignored
		}
		v := get(it)
		if !matchOne(v, c) {
			return false
		}
	}
	return true
}

func matchOne(v fieldValue, c condition) bool {
	switch c.pred {
	case "null", "present":
		want, err := strconv.ParseBool(c.values[0])
		if err != nil {
			want = c.values[0] == "1"
		}
		isNull := v.null
		if c.pred == "present" {
			return want != isNull
		}
		return want == isNull
	case "cont", "start", "end":
		if v.null {
			return false
		}
		s := v.s
		if v.kind == kindInt {
			s = strconv.FormatInt(v.n, 10)
		}
		switch c.pred {
		case "cont":
			return strings.Contains(strings.ToLower(s), strings.ToLower(c.values[0]))
		case "start":
			return strings.HasPrefix(s, c.values[0])
		default:
			return strings.HasSuffix(s, c.values[0])
		}
	}
	var wants []fieldValue
	for _, raw := range c.values {
		if w, ok := castTo(v.kind, raw); ok {
			wants = append(wants, w)
		}
	}
	if len(wants) == 0 {
		return true // nothing castable: ransack drops the condition
	}
	switch c.pred {
	case "eq", "in":
		if v.null {
			return false
		}
		for _, w := range wants {
			if compare(v, w) == 0 {
				return true
			}
		}
		return false
	case "not_eq", "not_in":
		for _, w := range wants {
			if !v.null && compare(v, w) == 0 {
				return false
			}
		}
		return true
	}
	if v.null {
		return false
	}
	cmp := compare(v, wants[0])
	switch c.pred {
	case "gteq":
		return cmp >= 0
	case "gt":
		return cmp > 0
	case "lteq":
		return cmp <= 0
	case "lt":
		return cmp < 0
	}
	return true
}

// applySort sorts by a Rails-style "sort" parameter ("-created_at,id");
// unknown keys are ignored, ties fall back to idOf ascending.
func applySort[T any](items []T, spec string, fields ransackFields[T], idOf func(T) int64) {
	type key struct {
		get  func(T) fieldValue
		desc bool
	}
	var keys []key
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		desc := strings.HasPrefix(part, "-")
		part = strings.TrimPrefix(part, "-")
		if get, ok := fields[part]; ok {
			keys = append(keys, key{get, desc})
		}
	}
	sort.SliceStable(items, func(i, j int) bool {
		for _, k := range keys {
			a, b := k.get(items[i]), k.get(items[j])
			c := compareNullsFirst(a, b)
			if c == 0 {
				continue
			}
			if k.desc {
				return c > 0
			}
			return c < 0
		}
		return idOf(items[i]) < idOf(items[j])
	})
}

func compareNullsFirst(a, b fieldValue) int {
	switch {
	case a.null && b.null:
		return 0
	case a.null:
		return -1
	case b.null:
		return 1
	}
	return compare(a, b)
}

// pageInfo is the outcome of page/per parsing.
type pageInfo struct {
	page, per, total, totalPages int
}

const (
	defaultPer = 20
	maxPer     = 100
)

// paging parses page/per like the fake ecforce does: page is 1-based
// (invalid → 1), per defaults to 20 and is clamped to 100.
func paging(q url.Values, total int) pageInfo {
	page, err := strconv.Atoi(q.Get("page"))
	if err != nil || page < 1 {
		page = 1
	}
	per, err := strconv.Atoi(q.Get("per"))
	if err != nil || per < 1 {
		per = defaultPer
	}
	per = min(per, maxPer)
	return pageInfo{page: page, per: per, total: total, totalPages: (total + per - 1) / per}
}

// window returns the [lo, hi) indexes of the current page.
func (p pageInfo) window() (int, int) {
	lo := min((p.page-1)*p.per, p.total)
	return lo, min(lo+p.per, p.total)
}
