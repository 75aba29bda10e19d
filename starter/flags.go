package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ecforce-logiless/connector/config"
)

// addShopFlag adds the required --shop flag, completed from the shops file.
func addShopFlag(cmd *cobra.Command, shop *string) {
	cmd.Flags().StringVar(shop, "shop", "", "shop code from the shops file (required)")
	_ = cmd.MarkFlagRequired("shop")
	_ = cmd.RegisterFlagCompletionFunc("shop", completeShops)
}

// completeShops offers the codes of the shops file's shops.
func completeShops(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	proc, err := loadProcess()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	shops, err := config.LoadShopSettings(proc.ShopsFile)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for _, s := range shops.Shops {
		out = append(out, cobra.CompletionWithDesc(s.Code, s.Name))
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// addFlowFlag adds the required --flow flag, completed with the flow names.
func addFlowFlag(cmd *cobra.Command, flow *string) {
	cmd.Flags().StringVar(flow, "flow", "", "flow: "+strings.Join(flowNames(), ", ")+" (required)")
	_ = cmd.MarkFlagRequired("flow")
	_ = cmd.RegisterFlagCompletionFunc("flow", func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return flowNames(), cobra.ShellCompDirectiveNoFileComp
	})
}

// noArgs refuses positional arguments.
func noArgs(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError{fmt.Sprintf("takes no arguments, got %q", args[0])}
	}
	return nil
}
