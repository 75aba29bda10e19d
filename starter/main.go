// Command starter is the developer's and operator's command line: start an
// order discovery or a single import now, validate a mapping table, authorize
// the connector at LOGILESS. Every command that starts a workflow prints its
// ID and a link to the run in the Temporal Web UI.
//
// Usage: starter <command> [flags]; `starter help` lists the commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// command is one subcommand of the CLI.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, out io.Writer) error
}

var commands = map[string]command{
	"import-orders":    {"run an order discovery for a shop now (--shop S [--wait])", runImportOrders},
	"import-order":     {"import one ecforce order now (--shop S --order 受注番号 [--force] [--wait])", runImportOrder},
	"notify-shipments": {"run a shipment discovery for a shop now (--shop S [--lookback 72h] [--wait])", runNotifyShipments},
	"notify-shipment":  {"report one shipped order to ecforce now (--shop S --order 受注番号 [--force] [--wait])", runNotifyShipment},
	"mapping-validate": {"check a product mapping CSV and list every problem (FILE)", runMappingValidate},
	"mapping":          {"mapping validate FILE: same as mapping-validate", runMapping},
	"logiless-auth":    {"authorize the connector at LOGILESS for a shop (--shop S [--code C])", runLogilessAuth},
	"reconcile-stock":  {"sync LOGILESS free stock to ecforce for a shop now and print the summary (--shop S [--dry-run] [--full] [--detach])", runReconcileStock},
	"status":           {"recent runs, failures with reasons, schedule state and next run of a shop (--shop S [-n 5])", runStatus},
	"schedules":        {"apply [--prune] | list | pause | unpause | trigger | backfill | delete: the Temporal Schedules of every shop and flow", runSchedules},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := dispatch(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "starter:", err)
		var usage usageError
		if errors.As(err, &usage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func dispatch(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printHelp(out)
		return nil
	}
	cmd, ok := commands[args[0]]
	if !ok {
		printHelp(out)
		return usageError{fmt.Sprintf("unknown command %q", args[0])}
	}
	return cmd.run(ctx, args[1:], out)
}

func printHelp(out io.Writer) {
	fmt.Fprintln(out, "usage: starter <command> [flags]")
	fmt.Fprintln(out, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(out, "  %-18s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(out, "\nSettings come from CONNECTOR_* environment variables (see README.md).")
}
