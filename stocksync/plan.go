package stocksync

import (
	"fmt"
	"time"

	"github.com/ecforce-logiless/connector/ecforce"
)

// Passes of a stock sync.
const (
	// ModeFull looks at every row of the mapping table.
	ModeFull = "full"
	// ModeIncremental looks only at rows whose LOGILESS stock changed since
	// the last successful run (and at the SKUs that failed then).
	ModeIncremental = "incremental"
)

// DefaultSinceOverlap is subtracted from the watermark before an incremental
// read, so that a clock difference between the worker and LOGILESS cannot
// hide a change. Re-reading a few minutes is harmless: unchanged SKUs are
// not written.
const DefaultSinceOverlap = 2 * time.Minute

// State is what a shop's stock sync remembers between runs. Temporal
// Schedules start every run afresh, so the watermark of the last successful
// run lives outside the workflow (the activities keep it in a file).
// Losing it is safe: the next run is a full pass, which writes it again.
type State struct {
	Shop string `json:"shop"`
	// Since is when the last successful (not dry) run started: the next
	// incremental pass reads LOGILESS inventory updated from then (minus a
	// small overlap for clock skew).
	Since time.Time `json:"since"`
	// LastFullAt is when the last successful full pass started.
	LastFullAt time.Time `json:"last_full_at"`
	// MappingFingerprint identifies the mapping table that run used; a
	// changed table makes the next run a full pass.
	MappingFingerprint string `json:"mapping_fingerprint"`
	// RetrySKUs failed or were missing at the location in that run; the
	// next incremental pass looks at them again even if their LOGILESS
	// stock did not change (at most MaxRetrySKUs; the rest wait for the
	// next full pass).
	RetrySKUs []string  `json:"retry_skus,omitempty"`
	SavedAt   time.Time `json:"saved_at"`
}

// PlanInput is what the choice of a pass depends on.
type PlanInput struct {
	// Last is the state of the last successful run; HasLast is false when
	// none is recorded (or it could not be read).
	Last    State
	HasLast bool
	// Now is the workflow's time.
	Now time.Time
	// Full asks for a full pass whatever the state says (--full).
	Full bool
	// FullEvery is stock_sync.full_every.
	FullEvery time.Duration
	// Fingerprint is the current mapping table's (Index.Fingerprint).
	Fingerprint string
	// Overlap is subtracted from the watermark; 0 means DefaultSinceOverlap.
	Overlap time.Duration
}

// Plan is the pass a run makes.
type Plan struct {
	Mode   string // ModeFull or ModeIncremental
	Reason string // why this mode, for people
	// Since (incremental) is where the pass reads LOGILESS changes from.
	Since time.Time
	// RetrySKUs (incremental) failed in the last run and are retried.
	RetrySKUs []string
}

// MakePlan chooses a full pass when asked, when no successful run is
// recorded, when the last full pass is older than FullEvery, or when the
// mapping table changed; an incremental pass otherwise.
func MakePlan(in PlanInput) Plan {
	overlap := in.Overlap
	if overlap <= 0 {
		overlap = DefaultSinceOverlap
	}
	st := in.Last
	p := Plan{Mode: ModeFull}
	switch {
	case in.Full:
		p.Reason = "full pass requested"
	case !in.HasLast || st.Since.IsZero():
		p.Reason = "no earlier successful run is recorded"
	case st.LastFullAt.IsZero() || in.Now.Sub(st.LastFullAt) >= in.FullEvery:
		p.Reason = fmt.Sprintf("the last full pass (%s) is older than stock_sync.full_every %s",
			FormatWhen(st.LastFullAt), in.FullEvery)
	case st.MappingFingerprint != in.Fingerprint:
		p.Reason = "the mapping table changed since the last run"
	default:
		p.Mode = ModeIncremental
		p.Since = st.Since.Add(-overlap)
		p.Reason = fmt.Sprintf("LOGILESS stock changed since %s (the last run's start minus %s)",
			FormatWhen(st.Since), overlap)
		if len(st.RetrySKUs) > 0 {
			p.RetrySKUs = append([]string(nil), st.RetrySKUs[:min(len(st.RetrySKUs), MaxRetrySKUs)]...)
			p.Reason += fmt.Sprintf(", and %d SKUs that failed then", len(p.RetrySKUs))
		}
	}
	return p
}

// FinishedRun is a successful, non-dry run to record.
type FinishedRun struct {
	Shop        string
	Mode        string
	StartedAt   time.Time // the run's start: the next watermark
	Fingerprint string    // of the mapping table the run planned with
	RetrySKUs   []string
}

// NextState is the state after run, given the state before it: the run's
// start becomes the watermark (and, for a full pass, the last full pass),
// but a watermark never moves backwards, so a slower, older run finishing
// last keeps the newer one.
func NextState(old State, run FinishedRun, savedAt time.Time) State {
	st := State{
		Shop:               run.Shop,
		Since:              laterOf(old.Since, run.StartedAt),
		LastFullAt:         old.LastFullAt,
		MappingFingerprint: run.Fingerprint,
		RetrySKUs:          run.RetrySKUs,
		SavedAt:            savedAt,
	}
	if run.Mode == ModeFull {
		st.LastFullAt = laterOf(old.LastFullAt, run.StartedAt)
	}
	return st
}

func laterOf(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// FormatWhen renders a watermark for people, in JST ("never" for zero).
func FormatWhen(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.In(ecforce.JST).Format("2006-01-02 15:04:05 MST")
}
