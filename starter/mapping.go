package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/ecforce-logiless/connector/atomicfile"
	"github.com/ecforce-logiless/connector/config"
	"github.com/ecforce-logiless/connector/logiless"
	"github.com/ecforce-logiless/connector/mapping"
)

const mappingValidateLong = `validate checks a product mapping table (商品対応表) the way the worker loads it
and prints every problem: duplicates, blanks, bad numbers, unknown columns.

With FILE it checks a mapping CSV and names each problem's line. It reads only
the file: no settings, no secrets, no Temporal.

With --shop it checks the table the shop's worker uses now (its mapping_source:
the CSV file, or the article maps of its LOGILESS store) and then asks LOGILESS
whether every article the table points at exists; rows pointing at an unknown
article are listed (an order with such a SKU would wait in LOGILESS as 確認待ち,
and the stock sync skips it). This reads the shop's secrets and costs about one
LOGILESS request per 100 rows and per 100 articles.

The exit code is 1 if the table is not valid or points at unknown articles.`

const mappingValidateExample = `  starter mapping validate mapping.csv
  starter mapping validate deploy/mapping.csv
  starter mapping validate --shop demo`

const mappingExportLong = `export reads the 商品対応表 of the shop's LOGILESS store (GET article_maps,
about one request per 100 rows) and writes it as the mapping CSV the connector
reads: sku (LOGILESS's mapped_code), article_code, reserve, allocation_rate,
max, min, and stock_sync (off for rows whose 自動在庫連携 is off) when some row
has it off. It works whatever the shop's mapping_source: use it to look at the
table the worker would use with mapping_source: logiless, or to keep the table
as a file with mapping_source: csv.

Without --output the CSV goes to standard output. A table LOGILESS holds that
the connector cannot use (a code mapped twice, a rate over 100, …) is not
written: every problem is listed and the exit code is 1.`

const mappingExportExample = `  starter mapping export --shop demo
  starter mapping export --shop demo --output deploy/mapping.csv`

// newMappingCommand groups the commands on mapping tables.
func newMappingCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mapping",
		Short: "Check and export product mapping tables (商品対応表)",
		Long: `mapping works on product mapping tables (商品対応表), which map ecforce SKUs to
LOGILESS articles for the order import and the stock sync: a CSV file
(mapping_source: csv) or the article maps of the shop's LOGILESS store
(mapping_source: logiless).`,
		Example: mappingValidateExample + "\n" + mappingExportExample,
		Args:    noSubcommand,
		RunE:    needSubcommand,
	}
	var shopCode string
	validate := &cobra.Command{
		Use:               "validate FILE | --shop S",
		Short:             "Check a mapping CSV, or a shop's live table, and list every problem",
		Long:              mappingValidateLong,
		Example:           mappingValidateExample,
		Args:              validateArgs(&shopCode),
		ValidArgsFunction: completeCSVFiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			if shopCode != "" {
				return runMappingValidateShop(cmd.Context(), cmd.OutOrStdout(), shopCode)
			}
			return runMappingValidate(cmd.OutOrStdout(), args[0])
		},
	}
	validate.Flags().StringVar(&shopCode, "shop", "", "check this shop's live table (from its mapping_source) instead of a FILE")
	_ = validate.RegisterFlagCompletionFunc("shop", completeShops)

	var exportShop, output string
	export := &cobra.Command{
		Use:     "export --shop S [--output FILE]",
		Short:   "Write the shop's LOGILESS 商品対応表 as a mapping CSV",
		Long:    mappingExportLong,
		Example: mappingExportExample,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runMappingExport(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), exportShop, output)
		},
	}
	addShopFlag(export, &exportShop)
	export.Flags().StringVarP(&output, "output", "o", "", "write the CSV to this file (replaced atomically) instead of standard output")
	cmd.AddCommand(validate, export)
	return cmd
}

// validateArgs wants one FILE, or none with --shop.
func validateArgs(shopCode *string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if *shopCode == "" {
			return exactArgs(1, "one FILE", nil)(cmd, args)
		}
		if len(args) > 0 {
			return usageError{fmt.Sprintf("takes FILE or --shop, not both (got %q and --shop %s)", args[0], *shopCode)}
		}
		return nil
	}
}

// newMappingValidateAlias keeps the older spelling mapping-validate FILE.
func newMappingValidateAlias() *cobra.Command {
	return &cobra.Command{
		Use:               "mapping-validate FILE",
		Short:             "Same as mapping validate FILE",
		Long:              mappingValidateLong + "\n\nmapping-validate is the older spelling of mapping validate (FILE only).",
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
		return listProblems(out, file, err)
	}
	fmt.Fprintf(out, "%s: %d rows, %d distinct LOGILESS articles\n", file, table.Len(), len(table.ArticleCodes()))
	if table.Len() == 0 {
		fmt.Fprintln(out, "warning: the table is empty; every order will fail with an unmapped SKU")
	}
	return nil
}

// listProblems prints the problems of a *mapping.ValidationError one per
// line and returns the one-line failure; other errors are returned as they
// are.
func listProblems(out io.Writer, what string, err error) error {
	var verr *mapping.ValidationError
	if !errors.As(err, &verr) {
		return err
	}
	for _, p := range verr.Problems {
		fmt.Fprintln(out, p.String())
	}
	if verr.Omitted > 0 {
		fmt.Fprintf(out, "… and %d more\n", verr.Omitted)
	}
	where := "listed above with their lines"
	if verr.File == "" || verr.File[0] == '(' {
		where = "listed above"
	}
	return fmt.Errorf("%s is not valid: %d problems, %s", what, len(verr.Problems)+verr.Omitted, where)
}

// logilessTable reads the article maps of the shop's LOGILESS store once,
// in full.
func logilessTable(ctx context.Context, shop *config.Shop, lc *logiless.Client) (*mapping.Table, string, error) {
	src := mapping.NewLogilessSource(mapping.LogilessSourceConfig{Store: shop.Logiless.StoreID, Lister: lc, Logger: quietLogger()})
	table, err := src.Table(ctx)
	return table, src.Describe(), err
}

// runMappingExport writes the shop's LOGILESS table as a mapping CSV.
func runMappingExport(ctx context.Context, out, errOut io.Writer, shopCode, output string) error {
	_, shop, lc, state, err := logilessOfShop(ctx, shopCode)
	if err != nil {
		return err
	}
	defer state.Close()
	table, name, err := logilessTable(ctx, shop, lc)
	if err != nil {
		return listProblems(out, name, err)
	}
	var buf bytes.Buffer
	if err := mapping.WriteCSV(&buf, table); err != nil {
		return err
	}
	off := 0
	for _, r := range table.Rows() {
		if r.StockSyncOff {
			off++
		}
	}
	summary := fmt.Sprintf("%s: %d rows, %d distinct articles, %d with 自動在庫連携 off", name, table.Len(), len(table.ArticleCodes()), off)
	if output == "" {
		_, err := out.Write(buf.Bytes())
		fmt.Fprintln(errOut, summary)
		return err
	}
	if err := atomicfile.Write(output, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", output, err)
	}
	fmt.Fprintf(out, "%s written to %s\n", summary, output)
	return nil
}

// runMappingValidateShop checks the shop's live table and the articles it
// points at.
func runMappingValidateShop(ctx context.Context, out io.Writer, shopCode string) error {
	_, shop, lc, state, err := logilessOfShop(ctx, shopCode)
	if err != nil {
		return err
	}
	defer state.Close()
	var table *mapping.Table
	var name string
	if shop.MappingSource == config.MappingFromLogiless {
		table, name, err = logilessTable(ctx, shop, lc)
	} else {
		name = shop.MappingFile
		table, err = mapping.LoadFile(shop.MappingFile)
	}
	if err != nil {
		return listProblems(out, name, err)
	}
	fmt.Fprintf(out, "shop %s: %s: %d rows, %d distinct LOGILESS articles (matched with the ecforce %s)\n",
		shop.Code, name, table.Len(), len(table.ArticleCodes()), shop.MappingMatch)
	unknown, err := unknownArticles(ctx, lc, table.ArticleCodes())
	if err != nil {
		return fmt.Errorf("look the articles of shop %s up in LOGILESS: %w", shop.Code, err)
	}
	off := 0
	var bad []mapping.Row
	for _, r := range table.Rows() {
		if r.StockSyncOff {
			off++
		}
		if unknown[r.ArticleCode] {
			bad = append(bad, r)
		}
	}
	if off > 0 {
		fmt.Fprintf(out, "%d rows have 自動在庫連携 off: orders map them, the stock sync never writes them\n", off)
	}
	if len(bad) == 0 {
		fmt.Fprintln(out, "every article exists in LOGILESS")
		return nil
	}
	for _, r := range bad {
		fmt.Fprintf(out, "%s → %s: LOGILESS has no such article\n", r.SKU, r.ArticleCode)
	}
	return fmt.Errorf("%d rows of shop %s point at articles LOGILESS does not have (listed above); fix them in %s", len(bad), shop.Code, name)
}

// unknownArticles returns those of codes that LOGILESS has neither as a
// single article (logical inventory search, 100 per request) nor as a set
// (the listing of set articles, read only when a code is missing).
func unknownArticles(ctx context.Context, lc *logiless.Client, codes []string) (map[string]bool, error) {
	missing := make(map[string]bool, len(codes))
	for _, c := range codes {
		missing[c] = true
	}
	found, err := lc.SearchLogicalInventory(ctx, codes)
	if err != nil {
		return nil, err
	}
	for _, s := range found {
		delete(missing, s.ArticleCode)
	}
	if len(missing) == 0 {
		return missing, nil
	}
	err = lc.ListArticles(ctx, logiless.ArticleQuery{ArticleType: logiless.ArticleTypeAssortment}, func(page []logiless.Article) error {
		for _, a := range page {
			delete(missing, a.Code)
		}
		return nil
	})
	return missing, err
}
