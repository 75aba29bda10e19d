package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/ecforce-logiless/connector/workflows"
)

var lookupEnv = os.LookupEnv

func runImportOrders(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("import-orders", flag.ContinueOnError)
	shopCode := fs.String("shop", "", "shop code from the shops file")
	wait := fs.Bool("wait", false, "wait for the discovery to finish and print what it did")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	s, err := openShopSession(ctx, *shopCode)
	if err != nil {
		return err
	}
	defer s.close()
	run, err := s.startRun(ctx, runStart{
		id: workflows.ImportOrdersID(*shopCode), flow: workflows.FlowOrderImport, shop: *shopCode, force: true,
		workflow: workflows.ImportOrders, input: workflows.ImportOrdersInput{Shop: *shopCode},
		busy: "a discovery for shop " + *shopCode + " is already running",
	}, out)
	if err != nil {
		return err
	}
	if !*wait {
		return nil
	}
	var res workflows.ImportOrdersResult
	if err := run.Get(ctx, &res); err != nil {
		return fmt.Errorf("discovery for shop %s failed: %w", *shopCode, err)
	}
	fmt.Fprintf(out, "listed %d orders: %d imports started, %d already handled, %d already in LOGILESS, %d not yet due\n",
		res.Listed, len(res.Started), res.AlreadyHandled, res.AlreadyInLogiless, res.NotYetDue)
	for _, childID := range res.Started {
		fmt.Fprintf(out, "  %s\n    %s\n", childID, s.runLink(childID, ""))
	}
	if res.Truncated {
		fmt.Fprintln(out, "more candidates remain; the next run picks them up")
	}
	return nil
}

func runImportOrder(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("import-order", flag.ContinueOnError)
	shopCode := fs.String("shop", "", "shop code from the shops file")
	number := fs.String("order", "", "ecforce 受注番号 (order number)")
	force := fs.Bool("force", false, "run even if an earlier import of this order completed (it still never creates a duplicate)")
	wait := fs.Bool("wait", false, "wait for the import to finish and print its result")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if *number == "" {
		return usageError{"--order is required"}
	}
	s, err := openShopSession(ctx, *shopCode)
	if err != nil {
		return err
	}
	defer s.close()
	run, err := s.startRun(ctx, runStart{
		id: workflows.ImportOrderID(*shopCode, *number), flow: workflows.FlowOrderImport, shop: *shopCode, orderNumber: *number,
		force: *force, workflow: workflows.ImportOrder, input: workflows.ImportOrderInput{Shop: *shopCode, OrderNumber: *number},
		busy: fmt.Sprintf("order %s of shop %s is being imported or was imported already (use --force to run again)", *number, *shopCode),
	}, out)
	if err != nil {
		return err
	}
	if !*wait {
		return nil
	}
	var res workflows.ImportOrderResult
	if err := run.Get(ctx, &res); err != nil {
		return fmt.Errorf("import of order %s failed: %w", *number, err)
	}
	fmt.Fprintf(out, "%s: LOGILESS sales order %d (%s), %d lines", res.Outcome, res.SalesOrderID, res.SalesOrderCode, res.Lines)
	if res.StateSet != "" {
		fmt.Fprintf(out, ", 対応状況 set to %s", res.StateSet)
	}
	fmt.Fprintln(out)
	return nil
}
