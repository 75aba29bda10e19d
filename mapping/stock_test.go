package mapping

import (
	"math"
	"testing"
)

func TestSetFree(t *testing.T) {
	free := map[string]int{"A": 6, "B": 10, "C": 0, "N": -4, "BIG": math.MaxInt}
	tests := []struct {
		name       string
		components []Component
		want       int
		wantOK     bool
	}{
		{"LOGILESS example: 6 of A, set of 3×A", []Component{{"A", 3}}, 2, true},
		{"floor of the division", []Component{{"A", 4}}, 1, true},
		{"minimum over components", []Component{{"A", 1}, {"B", 3}}, 3, true},
		{"one component out of stock", []Component{{"A", 1}, {"C", 1}}, 0, true},
		{"negative component stock counts as 0", []Component{{"A", 1}, {"N", 1}}, 0, true},
		{"a component listed twice adds up", []Component{{"A", 2}, {"A", 1}}, 2, true},
		{"quantity larger than stock", []Component{{"B", 11}}, 0, true},
		{"huge stock", []Component{{"BIG", 1}}, math.MaxInt, true},
		{"missing component", []Component{{"A", 1}, {"Z", 1}}, 0, false},
		{"zero quantity", []Component{{"A", 0}}, 0, false},
		{"negative quantity", []Component{{"A", -1}}, 0, false},
		{"absurd quantity", []Component{{"A", math.MaxInt}, {"A", math.MaxInt}}, 0, false},
		{"no components", nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := SetFree(tt.components, free)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("SetFree(%v) = %d, %v; want %d, %v", tt.components, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestAllocate(t *testing.T) {
	tests := []struct {
		name string
		row  Row
		free int
		want int
	}{
		{"defaults pass free through", Row{AllocationRate: 100}, 7, 7},
		{"zero free", Row{AllocationRate: 100}, 0, 0},
		{"negative free", Row{AllocationRate: 100}, -3, 0},
		{"most negative free", Row{AllocationRate: 100, Reserve: 5}, math.MinInt, 0},
		{"huge free", Row{AllocationRate: 100}, math.MaxInt, math.MaxInt},
		{"huge free, rate 50", Row{AllocationRate: 50}, math.MaxInt, math.MaxInt / 2},
		{"reserve subtracted", Row{AllocationRate: 100, Reserve: 2}, 10, 8},
		{"reserve equal to free", Row{AllocationRate: 100, Reserve: 10}, 10, 0},
		{"reserve larger than free", Row{AllocationRate: 100, Reserve: 12}, 10, 0},
		{"rate 0", Row{AllocationRate: 0}, 100, 0},
		{"rate 33 floors 10 → 3", Row{AllocationRate: 33}, 10, 3},
		{"rate 33 floors 2 → 0", Row{AllocationRate: 33}, 2, 0},
		{"rate 33 of 100 is exact", Row{AllocationRate: 33}, 100, 33},
		{"rate 50 floors 7 → 3", Row{AllocationRate: 50}, 7, 3},
		{"rate applied after reserve", Row{AllocationRate: 50, Reserve: 2}, 10, 4},
		{"max caps", Row{AllocationRate: 100, Max: intp(5)}, 10, 5},
		{"max equal", Row{AllocationRate: 100, Max: intp(10)}, 10, 10},
		{"max above", Row{AllocationRate: 100, Max: intp(20)}, 10, 10},
		{"max 0", Row{AllocationRate: 100, Max: intp(0)}, 10, 0},
		{"max applied after rate", Row{AllocationRate: 50, Max: intp(4)}, 10, 4},
		{"min: free below the floor gives 0", Row{AllocationRate: 100, Min: intp(5)}, 4, 0},
		{"min: free at the floor passes", Row{AllocationRate: 100, Min: intp(5)}, 5, 5},
		{"min compares free before the reserve", Row{AllocationRate: 100, Min: intp(5), Reserve: 3}, 5, 2},
		{"all settings", Row{AllocationRate: 80, Reserve: 1, Max: intp(10), Min: intp(3)}, 20, 10},
		{"all settings under the cap", Row{AllocationRate: 80, Reserve: 1, Max: intp(10), Min: intp(3)}, 6, 4},
		{"all settings below min", Row{AllocationRate: 80, Reserve: 1, Max: intp(10), Min: intp(3)}, 2, 0},
		{"zero Row allocates nothing", Row{}, 10, 0},
		{"rate above 100 is clamped", Row{AllocationRate: 150}, 10, 10},
		{"negative rate is clamped", Row{AllocationRate: -10}, 10, 0},
		{"negative reserve is ignored", Row{AllocationRate: 100, Reserve: -5}, 10, 10},
		{"negative max gives 0", Row{AllocationRate: 100, Max: intp(-1)}, 10, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.row.Allocate(tt.free); got != tt.want {
				t.Errorf("Allocate(%d) = %d, want %d", tt.free, got, tt.want)
			}
		})
	}
}

// FuzzAllocate checks the invariants of Allocate against a big-number-free
// reference on small values: never negative, never above free, never above
// Max, 0 below Min.
func FuzzAllocate(f *testing.F) {
	f.Add(10, 2, 50, 5, 3, true, true)
	f.Add(-1, 0, 100, 0, 0, false, false)
	f.Fuzz(func(t *testing.T, free, reserve, rate, maxV, minV int, hasMax, hasMin bool) {
		r := Row{Reserve: reserve, AllocationRate: rate}
		if hasMax {
			r.Max = &maxV
		}
		if hasMin {
			r.Min = &minV
		}
		got := r.Allocate(free)
		if got < 0 || (free >= 0 && got > free) || (free < 0 && got != 0) {
			t.Fatalf("Allocate(%d) = %d for %+v", free, got, r)
		}
		if hasMax && got > max(maxV, 0) {
			t.Fatalf("Allocate(%d) = %d above max %d", free, got, maxV)
		}
		if hasMin && free < minV && got != 0 {
			t.Fatalf("Allocate(%d) = %d below min %d", free, got, minV)
		}
		// Exact check where plain arithmetic cannot overflow.
		const small = 1 << 20
		if abs(free) < small && abs(reserve) < small && abs(maxV) < small {
			want := 0
			if !hasMin || free >= minV {
				v := free - max(reserve, 0)
				if v > 0 {
					v = v * min(max(rate, 0), 100) / 100
				}
				if hasMax {
					v = min(v, maxV)
				}
				want = max(v, 0)
			}
			if got != want {
				t.Fatalf("Allocate(%d) = %d, want %d for %+v", free, got, want, r)
			}
		}
	})
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
