package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ecforce-logiless/connector/stocksync"
	"github.com/ecforce-logiless/connector/workflows"
)

func newReconcileStockCommand() *cobra.Command {
	var shopCode string
	var dryRun, full, detach, wait bool
	cmd := &cobra.Command{
		Use:   "reconcile-stock --shop S",
		Short: "Sync LOGILESS free stock to ecforce for a shop now and print the summary",
		Long: `reconcile-stock runs a stock sync (在庫連動) of the shop now: LOGILESS free stock,
through the mapping table, written to ecforce at the shop's location code. It
plans an incremental pass (the SKUs whose LOGILESS stock changed since the last
run) or a full one (every mapped SKU: with --full, daily, or after the mapping
table changed).

It waits and shows the progress (pages done of total, rate, ETA: a full pass of
a large catalogue takes about half an hour at the APIs' pace), then prints the
summary, what changed and the problems by SKU, and the link to the run.
--dry-run computes and compares only: it prints what would change and writes
nothing. --detach returns once the sync is started.`,
		Example: `  starter reconcile-stock --shop demo
  starter reconcile-stock --shop demo --full --dry-run
  starter reconcile-stock --shop demo --full --detach`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runReconcileStock(cmd, shopCode, workflows.ReconcileStockInput{Shop: shopCode, Full: full, DryRun: dryRun}, wait && !detach)
		},
	}
	addShopFlag(cmd, &shopCode)
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "compute and compare only: print what would change, write nothing, keep the watermark")
	cmd.Flags().BoolVar(&full, "full", false, "check every mapped SKU instead of only those whose LOGILESS stock changed")
	cmd.Flags().BoolVar(&detach, "detach", false, "start the sync and return without waiting for its summary")
	cmd.Flags().BoolVar(&wait, "wait", true, "wait for the sync, showing its progress, and print its summary (--detach or --wait=false: return at once)")
	return cmd
}

// runReconcileStock starts a stock sync of one shop now and, with wait,
// waits for it, showing its progress, and prints its summary (with
// --dry-run, the diff).
func runReconcileStock(cmd *cobra.Command, shopCode string, in workflows.ReconcileStockInput, wait bool) error {
	var res workflows.ReconcileStockResult
	return launch(cmd, runStart{
		id: workflows.ReconcileStockID(shopCode), flow: workflows.FlowStockSync, shop: shopCode, force: true,
		workflow: workflows.ReconcileStock, input: in,
		busy:     "a stock sync of shop " + shopCode + " started from the starter is already running",
		what:     "stock sync of shop " + shopCode,
		progress: stockSyncProgress,
	}, wait, &res, func(out io.Writer, _ *session) { printStockResult(out, res) })
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
			{k.MissingAtLocation, stocksync.ReasonMissingAtLocation},
			{k.ArticleUnknown, stocksync.ReasonArticleUnknown},
			{k.SetNotComputable, stocksync.ReasonSetNotComputable},
			{k.Unlimited, "stock-unlimited"},
			{k.AutoSyncOff, stocksync.ReasonAutoSyncOff},
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
			fmt.Fprintf(out, "  … and %d more (the summary lists the first %d)\n", more, stocksync.MaxChanges)
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
			fmt.Fprintf(out, "  … and %d more (the summary lists the first %d)\n", more, stocksync.MaxProblems)
		}
	}
	if res.RetryTruncated {
		fmt.Fprintf(out, "more than %d SKUs failed: the next incremental pass retries the first %d, the next full pass all\n",
			stocksync.MaxRetrySKUs, stocksync.MaxRetrySKUs)
	}
}
