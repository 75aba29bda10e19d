package bench

import (
	"math"
	"strings"
	"testing"
)

func TestFigureRatioAndString(t *testing.T) {
	for _, tc := range []struct {
		name  string
		f     Figure
		ratio string
		want  string
	}{
		{"fewer calls", Figure{Name: "calls per order", Unit: "calls", Connector: 1.013, Baseline: 3.0, Target: "≤ 1.02"},
			"0.34×", "calls per order: 1.013 calls (naive baseline 3 calls, ratio 0.34×); target ≤ 1.02"},
		{"none against some", Figure{Name: "429s", Connector: 0, Baseline: 52},
			"0.00×", "429s: 0 (naive baseline 52, ratio 0.00×)"},
		{"both zero", Figure{Name: "429s", Connector: 0, Baseline: 0}, "—", "429s: 0 (naive baseline 0, ratio —)"},
		{"baseline zero", Figure{Name: "x", Connector: 2, Baseline: 0}, "∞", "x: 2 (naive baseline 0, ratio ∞)"},
		{"no baseline", Figure{Name: "RSS", Unit: "MB", Connector: 143.25, NoBaseline: true, Target: "≤ 200 MB", Note: "VmHWM 150 MB"},
			"—", "RSS: 143 MB; target ≤ 200 MB; VmHWM 150 MB"},
		{"large ratio", Figure{Name: "x", Connector: 50, Baseline: 2}, "25×", "x: 50 (naive baseline 2, ratio 25×)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ratioText(tc.f.Ratio()); got != tc.ratio {
				t.Errorf("ratio = %s, want %s", got, tc.ratio)
			}
			if got := tc.f.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
		})
	}
	if !math.IsNaN((Figure{NoBaseline: true, Connector: 1}).Ratio()) {
		t.Error("a figure without a baseline has a ratio")
	}
}

func TestPrintFiguresGroupsInOrderOfFirstReport(t *testing.T) {
	figuresMu.Lock()
	saved := figures
	figures = []Figure{{Group: "import", Name: "a"}, {Group: "stock", Name: "b"}, {Group: "import", Name: "c"}}
	figuresMu.Unlock()
	defer func() { figuresMu.Lock(); figures = saved; figuresMu.Unlock() }()
	var sb strings.Builder
	PrintFigures(&sb)
	out := sb.String()
	a, b, c := strings.Index(out, "| a |"), strings.Index(out, "| b |"), strings.Index(out, "| c |")
	if a < 0 || b < 0 || c < 0 || !(a < c && c < b) {
		t.Errorf("rows not grouped in order of first report:\n%s", out)
	}
}
