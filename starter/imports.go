package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ecforce-logiless/connector/workflows"
)

var lookupEnv = os.LookupEnv

func newImportOrdersCommand() *cobra.Command {
	var shopCode string
	var wait bool
	cmd := &cobra.Command{
		Use:   "import-orders --shop S",
		Short: "Run an order discovery (受注取込) of a shop now",
		Long: `import-orders starts the shop's order discovery now, as its schedule would: it
lists the ecforce orders waiting to be imported and starts one import per order.
An order imported before is never imported twice.

With --wait it waits, prints what the discovery found and links every import
it started; without, it prints the run's link and returns.`,
		Example: `  starter import-orders --shop demo
  starter import-orders --shop demo --wait`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runImportOrders(cmd, shopCode, wait)
		},
	}
	addShopFlag(cmd, &shopCode)
	cmd.Flags().BoolVar(&wait, "wait", false, "wait for the discovery to finish and print what it did")
	return cmd
}

func runImportOrders(cmd *cobra.Command, shopCode string, wait bool) error {
	var res workflows.ImportOrdersResult
	return launch(cmd, runStart{
		id: workflows.ImportOrdersID(shopCode), flow: workflows.FlowOrderImport, shop: shopCode, force: true,
		workflow: workflows.ImportOrders, input: workflows.ImportOrdersInput{Shop: shopCode},
		busy: "a discovery for shop " + shopCode + " is already running",
		what: "order discovery of shop " + shopCode,
	}, wait, &res, func(out io.Writer, s *session) {
		if res.Continued > 0 {
			fmt.Fprintf(out, "the discovery went on over %d runs (continue-as-new); the last one:\n", res.Continued+1)
		}
		fmt.Fprintf(out, "listed %d orders: %d imports started, %d already handled, %d blocked, %d already in LOGILESS, %d not yet due\n",
			res.Listed, len(res.Started), res.AlreadyHandled, res.Blocked, res.AlreadyInLogiless, res.NotYetDue)
		for _, w := range res.Waiting {
			fmt.Fprintf(out, "  %s: %d (%s", w.Reason, w.Count, strings.Join(w.Orders, ", "))
			if w.Count > len(w.Orders) {
				fmt.Fprintf(out, ", and %d more", w.Count-len(w.Orders))
			}
			fmt.Fprintln(out, ")")
		}
		if res.CodeTaken > 0 {
			fmt.Fprintf(out, "%d orders have a LOGILESS code another store holds: their imports wait blocked on OrderCodeTaken (see docs/errors.md#ordercodetaken)\n", res.CodeTaken)
		}
		for _, childID := range res.Started {
			fmt.Fprintf(out, "  %s\n    %s\n", childID, s.runLink(childID, ""))
		}
		if res.Truncated {
			fmt.Fprintln(out, "more candidates remain; the next run picks them up")
		}
	})
}

func newImportOrderCommand() *cobra.Command {
	var shopCode, number string
	var force, wait, ignoreFilters bool
	cmd := &cobra.Command{
		Use:   "import-order --shop S --order 受注番号",
		Short: "Import one ecforce order into LOGILESS now",
		Long: `import-order imports one ecforce order (by its 受注番号) as a LOGILESS sales
order now. It never creates a duplicate: an order already in LOGILESS is
recognised by its 受注コード.

An order outside the shop's filters (its 対応状況 not in order_import.states, or
its 発送予定日 in the future while only_due_today_or_earlier is on) is refused
with the reason; --ignore-filters imports it all the same. A cancelled order is
never imported.

A run that completed before refuses to run again unless --force; a failed one
runs again. With --wait it waits and prints the result, or the cause of the
failure first (exit code 1).`,
		Example: `  starter import-order --shop demo --order EC00010008 --wait
  starter import-order --shop demo --order EC00010008 --force --wait
  starter import-order --shop demo --order EC00010009 --ignore-filters --wait`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runImportOrder(cmd, importOrderRequest{shop: shopCode, number: number, force: force, ignoreFilters: ignoreFilters}, wait)
		},
	}
	addShopFlag(cmd, &shopCode)
	cmd.Flags().StringVar(&number, "order", "", "ecforce 受注番号 (order number) (required)")
	_ = cmd.MarkFlagRequired("order")
	cmd.Flags().BoolVar(&force, "force", false, "run even if an earlier import of this order completed (it still never creates a duplicate)")
	cmd.Flags().BoolVar(&ignoreFilters, "ignore-filters", false, "import even if the order's 対応状況 is not in order_import.states or its 発送予定日 is in the future (never a cancelled order)")
	cmd.Flags().BoolVar(&wait, "wait", false, "wait for the import to finish and print its result")
	return cmd
}

// importOrderRequest is what import-order was asked to do.
type importOrderRequest struct {
	shop, number         string
	force, ignoreFilters bool
}

func runImportOrder(cmd *cobra.Command, req importOrderRequest, wait bool) error {
	var res workflows.ImportOrderResult
	shopCode, number := req.shop, req.number
	return launch(cmd, runStart{
		id: workflows.ImportOrderID(shopCode, number), flow: workflows.FlowOrderImport, shop: shopCode, orderNumber: number,
		force: req.force, workflow: workflows.ImportOrder,
		input: workflows.ImportOrderInput{Shop: shopCode, OrderNumber: number, IgnoreFilters: req.ignoreFilters},
		busy:  fmt.Sprintf("order %s of shop %s is being imported or was imported already (use --force to run again)", number, shopCode),
		what:  fmt.Sprintf("import of order %s of shop %s", number, shopCode),
	}, wait, &res, func(out io.Writer, _ *session) {
		fmt.Fprintf(out, "%s: LOGILESS sales order %d (%s), %d lines", res.Outcome, res.SalesOrderID, res.SalesOrderCode, res.Lines)
		if res.WaitingForConfirmation {
			fmt.Fprint(out, ", waiting for confirmation (確認待ち) in LOGILESS")
		}
		if res.StateSet != "" {
			fmt.Fprintf(out, ", 対応状況 set to %s", res.StateSet)
		}
		fmt.Fprintln(out)
	})
}
