package bench

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"sync"
	"testing"
)

// Figure is one figure of `make bench` as the connector measured it beside
// the naive baseline's (issue 10 §5): the same request pattern a new user
// would write (one GET per order, search-then-create per order, one call per
// write, a GET per poll, a sequential stock pass), run against the same
// strict sandbox in the same `make bench`, or computed from the counted
// requests of such a run.
type Figure struct {
	// Group names the benchmark the figure comes from ("order import",
	// "stock full pass", …); the summary table sorts by it.
	Group string
	// Name says what is measured, for people ("LOGILESS calls per imported
	// order").
	Name string
	// Unit is printed after the values ("calls", "s", "MB", "%"; "" for a
	// plain count).
	Unit string
	// Connector is the connector's value; Baseline the naive baseline's.
	Connector, Baseline float64
	// NoBaseline: the figure has no baseline (its ratio prints as "—").
	NoBaseline bool
	// Target is the target, as text ("≤ 1.02", "≤ 200 MB"), or "".
	Target string
	// Note says how the value was obtained when it was not measured
	// directly ("from counts at 1 req/s", "sandbox at 2 req/s").
	Note string
	// Metric, if set, is also reported with testing.B.ReportMetric under
	// this unit (no spaces), and the ratio under Metric+"/baseline".
	Metric string
}

// Ratio is Connector / Baseline; NaN when there is no baseline or both are
// 0 (the ratio says nothing then), +Inf when only the baseline is 0.
func (f Figure) Ratio() float64 {
	switch {
	case f.NoBaseline, f.Connector == 0 && f.Baseline == 0:
		return math.NaN()
	case f.Baseline == 0:
		return math.Inf(1)
	}
	return f.Connector / f.Baseline
}

// String is the figure on one line: name, connector, baseline, ratio,
// target, note.
func (f Figure) String() string {
	line := fmt.Sprintf("%s: %s", f.Name, value(f.Connector, f.Unit))
	if !f.NoBaseline {
		line += fmt.Sprintf(" (naive baseline %s, ratio %s)", value(f.Baseline, f.Unit), ratioText(f.Ratio()))
	}
	if f.Target != "" {
		line += "; target " + f.Target
	}
	if f.Note != "" {
		line += "; " + f.Note
	}
	return line
}

var (
	figuresMu sync.Mutex
	figures   []Figure
)

// Report logs f on b (benchmark logs always print), reports its metric if
// it names one, and keeps it for the summary table that `make bench`
// prints at the end (PrintFigures, called by TestMain).
func Report(b testing.TB, f Figure) {
	b.Helper()
	b.Log(f.String())
	if bb, ok := b.(*testing.B); ok && f.Metric != "" {
		bb.ReportMetric(f.Connector, f.Metric)
		if r := f.Ratio(); !math.IsNaN(r) && !math.IsInf(r, 0) {
			bb.ReportMetric(r, f.Metric+"/baseline")
		}
	}
	figuresMu.Lock()
	figures = append(figures, f)
	figuresMu.Unlock()
}

// PrintFigures writes every reported figure as one Markdown table, grouped
// by benchmark in the order of the groups' first report; nothing when no
// figure was reported.
func PrintFigures(w io.Writer) {
	figuresMu.Lock()
	fs := append([]Figure(nil), figures...)
	figuresMu.Unlock()
	if len(fs) == 0 {
		return
	}
	first := map[string]int{}
	for i, f := range fs {
		if _, ok := first[f.Group]; !ok {
			first[f.Group] = i
		}
	}
	sort.SliceStable(fs, func(i, j int) bool { return first[fs[i].Group] < first[fs[j].Group] })
	var sb strings.Builder
	sb.WriteString("\n## make bench: the connector against the naive baseline\n\n")
	sb.WriteString("| benchmark | figure | connector | naive baseline | ratio | target | note |\n")
	sb.WriteString("|---|---|---:|---:|---:|---|---|\n")
	for _, f := range fs {
		base := "—"
		if !f.NoBaseline {
			base = value(f.Baseline, f.Unit)
		}
		fmt.Fprintf(&sb, "| %s | %s | %s | %s | %s | %s | %s |\n", f.Group, f.Name, value(f.Connector, f.Unit),
			base, ratioText(f.Ratio()), f.Target, f.Note)
	}
	_, _ = io.WriteString(w, sb.String())
}

// value prints v with a precision that suits its size, then the unit.
func value(v float64, unit string) string {
	var s string
	switch a := math.Abs(v); {
	case v == math.Trunc(v) && a < 1e9:
		s = fmt.Sprintf("%.0f", v)
	case a >= 100:
		s = fmt.Sprintf("%.0f", v)
	case a >= 10:
		s = fmt.Sprintf("%.1f", v)
	case a >= 1:
		s = fmt.Sprintf("%.3f", v)
	default:
		s = fmt.Sprintf("%.3f", v)
	}
	if unit == "" {
		return s
	}
	return s + " " + unit
}

// ratioText prints a ratio as "0.34×" ("—" when it says nothing, "∞" when
// only the baseline is 0).
func ratioText(r float64) string {
	switch {
	case math.IsNaN(r):
		return "—"
	case math.IsInf(r, 0):
		return "∞"
	case r >= 10:
		return fmt.Sprintf("%.0f×", r)
	}
	return fmt.Sprintf("%.2f×", r)
}
