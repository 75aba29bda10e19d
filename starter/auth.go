package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/ecforce-logiless/connector/app"
	"github.com/ecforce-logiless/connector/blockedruns"
	"github.com/ecforce-logiless/connector/config"
	"github.com/ecforce-logiless/connector/logiless"
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
	proc, shop, lc, state, err := logilessOfShop(ctx, shopCode)
	if err != nil {
		return err
	}
	defer state.Close()
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
	wakeAfterAuthorization(ctx, out, shop.Code)
	return nil
}

// wakeAfterAuthorization wakes the shop's blocked runs (those waiting on
// LogilessReauthorizationNeeded among them), best effort: the
// authorization is done either way, and the runs also wake at the next
// discovery or with starter wake.
func wakeAfterAuthorization(ctx context.Context, out io.Writer, shopCode string) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	s, err := openSession(ctx, false)
	if err == nil {
		defer s.close()
		var woken []blockedruns.Run
		if woken, err = blockedruns.Wake(ctx, s.client, s.proc.TemporalNamespace, blockedruns.Filter{Shop: shopCode}, "LOGILESS authorized"); err == nil {
			fmt.Fprintf(out, "woke %d blocked runs of shop %s\n", len(woken), shopCode)
			return
		}
	}
	fmt.Fprintf(out, "could not wake the shop's blocked runs (%s); they resume at the next discovery, or run starter wake --shop %s\n", oneLine(err.Error()), shopCode)
}

// logilessOfShop loads the settings with the shop's secrets and makes its
// LOGILESS client, with its tokens in the shared state the workers use (the
// state directory or CONNECTOR_STATE_DATABASE_URL), for the commands that
// call LOGILESS themselves. The caller closes the state.
func logilessOfShop(ctx context.Context, shopCode string) (config.Process, *config.Shop, *logiless.Client, sharedstate.Store, error) {
	proc, err := loadProcess()
	if err != nil {
		return proc, nil, nil, nil, err
	}
	shops, err := config.LoadShops(proc.ShopsFile, lookupEnv)
	if err != nil {
		return proc, nil, nil, nil, err
	}
	shop, ok := shops.Shop(shopCode)
	if !ok {
		return proc, nil, nil, nil, usageError{fmt.Sprintf("shop %q is not in %s", shopCode, proc.ShopsFile)}
	}
	state, err := sharedstate.Open(ctx, proc.StateDatabaseURL, proc.StateDir)
	if err != nil {
		return proc, nil, nil, nil, err
	}
	lc, err := app.NewLogilessClient(*shop, state.LogilessTokens(shop.Code), nil, 0, nil, quietLogger())
	if err != nil {
		state.Close()
		return proc, nil, nil, nil, err
	}
	return proc, shop, lc, state, nil
}

// quietLogger drops the clients' logs: the starter prints what matters.
func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
