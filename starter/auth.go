package main

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/ecforce-logiless/connector/app"
	"github.com/ecforce-logiless/connector/config"
	"github.com/ecforce-logiless/connector/sharedstate"
)

func newLogilessAuthCommand() *cobra.Command {
	var shopCode, code string
	cmd := &cobra.Command{
		Use:   "logiless-auth --shop S [--code CODE]",
		Short: "Authorize the connector at LOGILESS for a shop (once)",
		Long: `logiless-auth is the one-time OAuth authorization of a shop at LOGILESS.

Without --code it prints the URL to open as a LOGILESS user of the shop's
merchant. LOGILESS then redirects to the shop's redirect_uri with ?code=...;
within 30 seconds run it again with --code to exchange the code (valid once)
for the first tokens, which it stores where the worker reads them
($CONNECTOR_STATE_DIR/<shop>/logiless-tokens.json, or the database of
$CONNECTOR_STATE_DATABASE_URL). From then on the worker
refreshes them by itself.

It is the only command that reads the shop's secrets (the LOGILESS client
secret), so it needs them set.`,
		Example: `  starter logiless-auth --shop demo
  starter logiless-auth --shop demo --code 5f2c0e...`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runLogilessAuth(cmd, shopCode, code)
		},
	}
	addShopFlag(cmd, &shopCode)
	cmd.Flags().StringVar(&code, "code", "", "authorization code from the redirect (?code=...)")
	return cmd
}

// runLogilessAuth prints the authorization URL or, with a code, exchanges
// it for the first tokens and stores them.
func runLogilessAuth(cmd *cobra.Command, shopCode, code string) error {
	ctx, out := cmd.Context(), cmd.OutOrStdout()
	proc, err := loadProcess()
	if err != nil {
		return err
	}
	shops, err := config.LoadShops(proc.ShopsFile, lookupEnv)
	if err != nil {
		return err
	}
	shop, ok := shops.Shop(shopCode)
	if !ok {
		return usageError{fmt.Sprintf("shop %q is not in %s", shopCode, proc.ShopsFile)}
	}
	state, err := sharedstate.Open(ctx, proc.StateDatabaseURL, proc.StateDir)
	if err != nil {
		return err
	}
	defer state.Close()
	lc, err := app.NewLogilessClient(*shop, state.LogilessTokens(shop.Code), nil, 0, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	if code == "" {
		fmt.Fprintf(out, "Open this URL as a LOGILESS user of merchant %d and approve the connector:\n  %s\n",
			shop.Logiless.MerchantID, lc.AuthorizeURL(shop.Code))
		fmt.Fprintf(out, "LOGILESS then redirects to %s?code=...; within 30 seconds run:\n  starter logiless-auth --shop %s --code CODE\n",
			shop.Logiless.RedirectURI, shop.Code)
		return nil
	}
	token, err := lc.ExchangeCode(ctx, code)
	if err != nil {
		return fmt.Errorf("exchange the authorization code for shop %s: %w", shop.Code, err)
	}
	where := app.LogilessTokenFile(proc.StateDir, shop.Code)
	if proc.StateDatabaseURL != "" {
		where = state.Describe()
	}
	fmt.Fprintf(out, "shop %s is authorized at LOGILESS; tokens stored in %s (access token valid until %s)\n",
		shop.Code, where, formatJST(token.ExpiresAt))
	return nil
}
