package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/ecforce-logiless/connector/mapping"
)

const mappingValidateLong = `validate checks a product mapping CSV (商品対応表) the way the worker loads it
and prints every problem with its line: duplicates, blanks, bad numbers,
unknown columns. It reads only the file: no settings, no secrets, no Temporal.
The exit code is 1 if the file is not valid.`

const mappingValidateExample = `  starter mapping validate mapping.csv
  starter mapping validate deploy/mapping.csv`

// newMappingCommand groups the commands on mapping tables.
func newMappingCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mapping",
		Short: "Check product mapping tables (商品対応表)",
		Long: `mapping works on product mapping tables (商品対応表), the CSV files that map
ecforce SKUs to LOGILESS articles for the order import and the stock sync.`,
		Example: mappingValidateExample,
		Args:    noSubcommand,
		RunE:    needSubcommand,
	}
	cmd.AddCommand(&cobra.Command{
		Use:               "validate FILE",
		Short:             "Check a mapping CSV and list every problem with its line",
		Long:              mappingValidateLong,
		Example:           mappingValidateExample,
		Args:              exactArgs(1, "one FILE", nil),
		ValidArgsFunction: completeCSVFiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMappingValidate(cmd.OutOrStdout(), args[0])
		},
	})
	return cmd
}

// newMappingValidateAlias keeps the older spelling mapping-validate FILE.
func newMappingValidateAlias() *cobra.Command {
	return &cobra.Command{
		Use:               "mapping-validate FILE",
		Short:             "Same as mapping validate FILE",
		Long:              mappingValidateLong + "\n\nmapping-validate is the older spelling of mapping validate.",
		Example:           "  starter mapping-validate mapping.csv",
		Args:              exactArgs(1, "one FILE", nil),
		ValidArgsFunction: completeCSVFiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMappingValidate(cmd.OutOrStdout(), args[0])
		},
	}
}

func completeCSVFiles(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return []cobra.Completion{"csv"}, cobra.ShellCompDirectiveFilterFileExt
}

// runMappingValidate checks a mapping CSV the way the worker will load it
// and prints every problem with its line.
func runMappingValidate(out io.Writer, file string) error {
	table, err := mapping.LoadFile(file)
	if err != nil {
		var verr *mapping.ValidationError
		if errors.As(err, &verr) {
			for _, p := range verr.Problems {
				fmt.Fprintln(out, p.String())
			}
			if verr.Omitted > 0 {
				fmt.Fprintf(out, "… and %d more\n", verr.Omitted)
			}
			return fmt.Errorf("%s is not valid: %d problems, listed above with their lines", file, len(verr.Problems)+verr.Omitted)
		}
		return err
	}
	fmt.Fprintf(out, "%s: %d rows, %d distinct LOGILESS articles\n", file, table.Len(), len(table.ArticleCodes()))
	if table.Len() == 0 {
		fmt.Fprintln(out, "warning: the table is empty; every order will fail with an unmapped SKU")
	}
	return nil
}
