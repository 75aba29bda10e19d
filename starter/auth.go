package main

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/ecforce-logiless/connector/app"
	"github.com/ecforce-logiless/connector/config"
	"github.com/ecforce-logiless/connector/logiless"
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
($CONNECTOR_STATE_DIR/<shop>/logiless-tokens.json). From then on the worker
refreshes them by itself.

The token request counts against the merchant's request budget (about one
request per second) like every other call. If LOGILESS answers 429 (rate
limit), the code was not used: the request is sent again after the wait
LOGILESS asks for, as long as that ends within the code's 30 seconds;
otherwise get a new code and try again.

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
	proc, shop, lc, err := logilessOfShop(shopCode)
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
	fmt.Fprintf(out, "shop %s is authorized at LOGILESS; tokens stored in %s (access token valid until %s)\n",
		shop.Code, app.LogilessTokenFile(proc.StateDir, shop.Code), formatJST(token.ExpiresAt))
	return nil
}

// logilessOfShop loads the settings with the shop's secrets and makes its
// LOGILESS client (tokens in the state directory, as the worker keeps
// them), for the commands that call LOGILESS themselves.
func logilessOfShop(shopCode string) (config.Process, *config.Shop, *logiless.Client, error) {
	proc, err := loadProcess()
	if err != nil {
		return proc, nil, nil, err
	}
	shops, err := config.LoadShops(proc.ShopsFile, lookupEnv)
	if err != nil {
		return proc, nil, nil, err
	}
	shop, ok := shops.Shop(shopCode)
	if !ok {
		return proc, nil, nil, usageError{fmt.Sprintf("shop %q is not in %s", shopCode, proc.ShopsFile)}
	}
	lc, err := app.NewLogilessClient(*shop, proc.StateDir, nil, 0, nil, quietLogger())
	if err != nil {
		return proc, nil, nil, err
	}
	return proc, shop, lc, nil
}

// quietLogger drops the clients' logs: the starter prints what matters.
func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
