package stocksync

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestMakePlan(t *testing.T) {
	now := t0.Add(48 * time.Hour)
	fresh := State{Shop: "demo", Since: now.Add(-10 * time.Minute), LastFullAt: now.Add(-time.Hour), MappingFingerprint: "fp", RetrySKUs: []string{"x"}}
	many := fresh
	many.RetrySKUs = make([]string, MaxRetrySKUs+5)
	tests := []struct {
		name      string
		in        PlanInput
		wantMode  string
		wantSince time.Time
		reason    string
		retry     int
	}{
		{name: "first run", in: PlanInput{}, wantMode: ModeFull, reason: "no earlier successful run"},
		{name: "state without a watermark", in: PlanInput{Last: State{LastFullAt: fresh.LastFullAt, MappingFingerprint: "fp"}, HasLast: true}, wantMode: ModeFull, reason: "no earlier successful run"},
		{name: "incremental after a recent run", in: PlanInput{Last: fresh, HasLast: true}, wantMode: ModeIncremental,
			wantSince: fresh.Since.Add(-DefaultSinceOverlap), reason: "1 SKUs that failed", retry: 1},
		{name: "incremental with a set overlap", in: PlanInput{Last: fresh, HasLast: true, Overlap: time.Minute}, wantMode: ModeIncremental,
			wantSince: fresh.Since.Add(-time.Minute), reason: "minus 1m0s", retry: 1},
		{name: "retry SKUs are bounded", in: PlanInput{Last: many, HasLast: true}, wantMode: ModeIncremental,
			wantSince: fresh.Since.Add(-DefaultSinceOverlap), reason: "1000 SKUs that failed", retry: MaxRetrySKUs},
		{name: "--full", in: PlanInput{Last: fresh, HasLast: true, Full: true}, wantMode: ModeFull, reason: "requested"},
		{name: "full pass due", in: PlanInput{Last: State{Since: fresh.Since, LastFullAt: now.Add(-25 * time.Hour), MappingFingerprint: "fp"}, HasLast: true},
			wantMode: ModeFull, reason: "older than stock_sync.full_every 24h"},
		{name: "never a full pass", in: PlanInput{Last: State{Since: fresh.Since, MappingFingerprint: "fp"}, HasLast: true},
			wantMode: ModeFull, reason: "(never) is older"},
		{name: "mapping changed", in: PlanInput{Last: State{Since: fresh.Since, LastFullAt: fresh.LastFullAt, MappingFingerprint: "other"}, HasLast: true},
			wantMode: ModeFull, reason: "mapping table changed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.Now, in.FullEvery, in.Fingerprint = now, 24*time.Hour, "fp"
			p := MakePlan(in)
			if p.Mode != tt.wantMode || !p.Since.Equal(tt.wantSince) || !strings.Contains(p.Reason, tt.reason) || len(p.RetrySKUs) != tt.retry {
				t.Errorf("plan = %s since %v (%q), %d retries; want %s since %v containing %q, %d retries",
					p.Mode, p.Since, p.Reason, len(p.RetrySKUs), tt.wantMode, tt.wantSince, tt.reason, tt.retry)
			}
		})
	}
}

func TestNextState(t *testing.T) {
	var st State
	st = NextState(st, FinishedRun{Shop: "demo", Mode: ModeFull, StartedAt: t0, Fingerprint: "f1", RetrySKUs: []string{"a"}}, t0.Add(time.Minute))
	if !st.Since.Equal(t0) || !st.LastFullAt.Equal(t0) || st.Shop != "demo" || st.MappingFingerprint != "f1" || !slices.Equal(st.RetrySKUs, []string{"a"}) {
		t.Errorf("after a full pass: %+v", st)
	}
	st = NextState(st, FinishedRun{Shop: "demo", Mode: ModeIncremental, StartedAt: t0.Add(10 * time.Minute), Fingerprint: "f1"}, t0)
	if !st.Since.Equal(t0.Add(10*time.Minute)) || !st.LastFullAt.Equal(t0) || len(st.RetrySKUs) != 0 {
		t.Errorf("after an incremental pass: %+v", st)
	}
	// An older run finishing late never moves the watermark back.
	st = NextState(st, FinishedRun{Shop: "demo", Mode: ModeIncremental, StartedAt: t0.Add(5 * time.Minute), Fingerprint: "f1"}, t0)
	if !st.Since.Equal(t0.Add(10 * time.Minute)) {
		t.Errorf("watermark moved back to %v", st.Since)
	}
	st = NextState(st, FinishedRun{Shop: "demo", Mode: ModeFull, StartedAt: t0.Add(-time.Hour), Fingerprint: "f2"}, t0)
	if !st.Since.Equal(t0.Add(10*time.Minute)) || !st.LastFullAt.Equal(t0) || st.MappingFingerprint != "f2" {
		t.Errorf("a late full pass moved a watermark back: %+v", st)
	}
}

func TestFormatWhen(t *testing.T) {
	if got := FormatWhen(time.Time{}); got != "never" {
		t.Errorf("zero = %q", got)
	}
	if got := FormatWhen(t0); got != "2024-05-01 18:00:00 JST" {
		t.Errorf("t0 = %q", got)
	}
}
