package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ecforce-logiless/connector/activities"
	"github.com/ecforce-logiless/connector/workflows"
)

// runReconcileStock starts a stock sync of one shop now and, unless
// --detach, waits for it and prints its summary (with --dry-run, the diff).
func runReconcileStock(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("reconcile-stock", flag.ContinueOnError)
	shopCode := fs.String("shop", "", "shop code from the shops file")
	dryRun := fs.Bool("dry-run", false, "compute and compare only: print what would change, write nothing, keep the watermark")
	full := fs.Bool("full", false, "check every mapped SKU instead of only those whose LOGILESS stock changed")
	detach := fs.Bool("detach", false, "start the sync and return without waiting for its summary")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	s, err := openShopSession(ctx, *shopCode)
	if err != nil {
		return err
	}
	defer s.close()
	run, err := s.startRun(ctx, runStart{
		id: workflows.ReconcileStockID(*shopCode), flow: workflows.FlowStockSync, shop: *shopCode, force: true,
		workflow: workflows.ReconcileStock, input: workflows.ReconcileStockInput{Shop: *shopCode, Full: *full, DryRun: *dryRun},
		busy: "a stock sync of shop " + *shopCode + " started from the starter is already running",
	}, out)
	if err != nil {
		return err
	}
	if *detach {
		return nil
	}
	// GetWorkflow follows continue-as-new to the last run's result.
	var res workflows.ReconcileStockResult
	if err := s.client.GetWorkflow(ctx, run.GetID(), "").Get(ctx, &res); err != nil {
		return fmt.Errorf("stock sync of shop %s failed: %w", *shopCode, err)
	}
	printStockResult(out, res)
	return nil
}

// printStockResult prints a stock sync's summary for people.
func printStockResult(out io.Writer, res workflows.ReconcileStockResult) {
	if res.Disabled {
		fmt.Fprintf(out, "stock sync of shop %s is disabled (stock_sync.enabled: false); nothing was done\n", res.Shop)
		return
	}
	fmt.Fprintf(out, "%s pass of shop %s at location %q: %s\n", res.Mode, res.Shop, res.Location, res.ModeReason)
	fmt.Fprintf(out, "read %d of %d mapped SKUs: %d unchanged, %d changed, %d written, %d failed, %d skipped",
		res.Read, res.MappedSKUs, res.Unchanged, res.Changed, res.Written, res.Failed, res.Skipped.Total())
	if k := res.Skipped; k.Total() > 0 {
		var parts []string
		for _, p := range []struct {
			n    int
			name string
		}{
			{k.MissingAtLocation, activities.StockReasonMissingAtLocation},
			{k.ArticleUnknown, activities.StockReasonArticleUnknown},
			{k.SetNotComputable, activities.StockReasonSetNotComputable},
			{k.Unlimited, "stock-unlimited"},
		} {
			if p.n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", p.n, p.name))
			}
		}
		fmt.Fprintf(out, " (%s)", strings.Join(parts, ", "))
	}
	fmt.Fprintf(out, "\n%d pages in %d workflow runs, %s\n", res.Pages, res.Runs, res.FinishedAt.Sub(res.StartedAt).Round(100*time.Millisecond))

	if len(res.Changes) > 0 {
		if res.DryRun {
			fmt.Fprintln(out, "\ndry run, nothing was written; would change:")
		} else {
			fmt.Fprintln(out, "\nchanged:")
		}
		fmt.Fprintf(out, "  %-32s %10s    %s\n", "SKU", "ecforce", "new (from LOGILESS)")
		for _, c := range res.Changes {
			fmt.Fprintf(out, "  %-32s %10d -> %d\n", c.SKU, c.From, c.To)
		}
		if more := res.Changed - len(res.Changes); more > 0 {
			fmt.Fprintf(out, "  … and %d more (the summary lists the first %d)\n", more, activities.MaxStockChanges)
		}
	} else if res.DryRun {
		fmt.Fprintln(out, "\ndry run: nothing would change")
	}
	if len(res.Problems) > 0 {
		fmt.Fprintf(out, "\nproblems (%d):\n", res.ProblemCount)
		for _, p := range res.Problems {
			fmt.Fprintf(out, "  %-32s %-20s %s\n", p.SKU, p.Reason, p.Detail)
		}
		if more := res.ProblemCount - len(res.Problems); more > 0 {
			fmt.Fprintf(out, "  … and %d more (the summary lists the first %d)\n", more, activities.MaxStockProblems)
		}
	}
	if res.RetryTruncated {
		fmt.Fprintf(out, "more than %d SKUs failed: the next incremental pass retries the first %d, the next full pass all\n",
			activities.MaxStockRetrySKUs, activities.MaxStockRetrySKUs)
	}
}
