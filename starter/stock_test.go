package main

import (
	"strings"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/stocksync"
	"github.com/ecforce-logiless/connector/workflows"
)

func TestPrintStockResult(t *testing.T) {
	start := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	res := workflows.ReconcileStockResult{
		Shop: "demo", Mode: stocksync.ModeIncremental, ModeReason: "LOGILESS stock changed since 2024-05-01 17:50:00 JST",
		DryRun: true, Location: "default", MappedSKUs: 7, Pages: 1, Runs: 1, StartedAt: start, FinishedAt: start.Add(1200 * time.Millisecond),
		Summary: stocksync.Summary{
			Read: 3, Unchanged: 1, Changed: 1, Skipped: stocksync.Skips{MissingAtLocation: 1},
			Changes:      []stocksync.Change{{SKU: "TS-WHT-M", From: 35, To: 40}},
			Problems:     []stocksync.Problem{{SKU: "GIFT-X", Reason: stocksync.ReasonMissingAtLocation, Detail: "create it"}},
			ProblemCount: 1,
		},
	}
	var out strings.Builder
	printStockResult(&out, res)
	for _, want := range []string{
		"incremental pass of shop demo at location \"default\"",
		"read 3 of 7 mapped SKUs: 1 unchanged, 1 changed, 0 written, 0 failed, 1 skipped (1 missing-at-location)",
		"dry run, nothing was written; would change:",
		"TS-WHT-M", "35 -> 40",
		"problems (1):", "GIFT-X", "missing-at-location", "create it",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	t.Log("\n" + out.String())

	out.Reset()
	printStockResult(&out, workflows.ReconcileStockResult{Shop: "demo", Disabled: true})
	if !strings.Contains(out.String(), "disabled") {
		t.Errorf("disabled run output: %s", out.String())
	}
}
