package main

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/spf13/cobra"

	"github.com/ecforce-logiless/connector/blockedruns"
	"github.com/ecforce-logiless/connector/workflows"
)

func newWakeCommand() *cobra.Command {
	var f blockedruns.Filter
	cmd := &cobra.Command{
		Use:   "wake --shop S [--order N] [--flow F]",
		Short: "Make a shop's blocked runs try again now (after fixing what they wait on)",
		Long: `wake signals the shop's blocked runs (running, ConnectorOutcome blocked:<type>:
an unmapped SKU, a failed capture, refused credentials, …) to try their step
again now. Fix the cause first; a run whose cause is still there waits again
with the same outcome. Blocked runs also wake by themselves: at the next
discovery that meets the order, and when the worker sees the shop's mapping
file or a {file: …} secret change.

--order narrows to one order (受注番号), --flow to order-import or
shipment-notification. It prints every run it woke; none is no error.
It reads and signals Temporal only and needs none of the shop's secrets.`,
		Example: `  starter wake --shop demo
  starter wake --shop demo --order EC00010008
  starter wake --shop demo --flow shipment-notification`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.Flow != "" && !slices.Contains(flowNames(), f.Flow) {
				return usageError{fmt.Sprintf("--flow %q is not a flow (one of %v)", f.Flow, flowNames())}
			}
			return runWake(cmd.Context(), cmd.OutOrStdout(), f)
		},
	}
	addShopFlag(cmd, &f.Shop)
	cmd.Flags().StringVar(&f.OrderNumber, "order", "", "only the runs of this order (受注番号)")
	cmd.Flags().StringVar(&f.Flow, "flow", "", "only the runs of this flow: order-import or shipment-notification")
	_ = cmd.RegisterFlagCompletionFunc("flow", func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return []string{workflows.FlowOrderImport, workflows.FlowShipmentNotification}, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

// runWake wakes the blocked runs f selects and lists them.
func runWake(ctx context.Context, out io.Writer, f blockedruns.Filter) error {
	s, err := openShopSession(ctx, f.Shop)
	if err != nil {
		return err
	}
	defer s.close()
	woken, err := blockedruns.Wake(ctx, s.client, s.proc.TemporalNamespace, f, "starter wake")
	if err != nil {
		return err
	}
	if len(woken) == 0 {
		fmt.Fprintf(out, "no blocked runs of shop %s match (%s)\n", f.Shop, blockedruns.Query(f))
		return nil
	}
	fmt.Fprintf(out, "woke %d blocked runs of shop %s; each tries its step again now:\n", len(woken), f.Shop)
	for _, r := range woken {
		fmt.Fprintf(out, "  %s  blocked:%s (run started %s)\n    %s\n", r.WorkflowID, r.Reason, formatJST(r.Start), s.runLink(r.WorkflowID, ""))
	}
	return nil
}
