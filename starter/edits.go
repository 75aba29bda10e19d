package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ecforce-logiless/connector/app"
	"github.com/ecforce-logiless/connector/workflows"
)

func newEditOrderCommand() *cobra.Command {
	var shopCode, number string
	cmd := &cobra.Command{
		Use:   "edit-order",
		Short: "Carry the ecforce edits of one imported order over to LOGILESS now",
		Long: `edit-order makes the order's EditOrder run (edit-order/<shop>/<受注番号>)
compare the ecforce order with its LOGILESS 受注伝票 now, starting the run if
none is running: a changed recipient or delivery date/time is sent with PUT
sales_orders/{id}, a removed line is reversed, and anything only a person can
do (the warehouse already works on it, it was changed in LOGILESS, the
customer's remark, an added line) shows as blocked:EditNeedsOperator naming
the fields. See docs/order-import.md#edits-after-the-import.`,
		Example: `  starter edit-order --shop demo --order EC00010008`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, out := cmd.Context(), cmd.OutOrStdout()
			s, err := openShopSession(ctx, shopCode)
			if err != nil {
				return err
			}
			defer s.close()
			run, err := app.StartOrderEdit(ctx, s.client, s.proc.TaskQueue, shopCode, number, 0, "starter edit-order")
			if err != nil {
				return err
			}
			id := workflows.EditOrderID(shopCode, number)
			fmt.Fprintf(out, "woke %s\n  %s\n", id, s.runLink(id, run.GetRunID()))
			return nil
		},
	}
	addShopFlag(cmd, &shopCode)
	cmd.Flags().StringVar(&number, "order", "", "受注番号 (the ecforce order number) (required)")
	_ = cmd.MarkFlagRequired("order")
	return cmd
}
