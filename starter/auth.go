package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/ecforce-logiless/connector/app"
	"github.com/ecforce-logiless/connector/config"
)

// runLogilessAuth is the one-time OAuth authorization of a shop at LOGILESS:
// without --code it prints the URL to open (LOGILESS redirects back with
// ?code=...); with --code it exchanges the code (valid for 30 seconds, once)
// for the first tokens and stores them where the worker reads them. From
// then on the worker refreshes and re-stores them by itself.
func runLogilessAuth(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("logiless-auth", flag.ContinueOnError)
	shopCode := fs.String("shop", "", "shop code from the shops file")
	code := fs.String("code", "", "authorization code from the redirect (?code=...)")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if *shopCode == "" {
		return usageError{"--shop is required"}
	}
	proc, err := config.LoadProcess()
	if err != nil {
		return err
	}
	shops, err := config.LoadShops(proc.ShopsFile, lookupEnv)
	if err != nil {
		return err
	}
	shop, ok := shops.Shop(*shopCode)
	if !ok {
		return fmt.Errorf("shop %q is not in %s", *shopCode, proc.ShopsFile)
	}
	lc, err := app.NewLogilessClient(*shop, proc.StateDir, nil, 0, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	if *code == "" {
		fmt.Fprintf(out, "Open this URL as a LOGILESS user of merchant %d and approve the connector:\n  %s\n",
			shop.Logiless.MerchantID, lc.AuthorizeURL(shop.Code))
		fmt.Fprintf(out, "LOGILESS then redirects to %s?code=...; within 30 seconds run:\n  starter logiless-auth --shop %s --code CODE\n",
			shop.Logiless.RedirectURI, shop.Code)
		return nil
	}
	token, err := lc.ExchangeCode(ctx, *code)
	if err != nil {
		return fmt.Errorf("exchange the authorization code for shop %s: %w", shop.Code, err)
	}
	fmt.Fprintf(out, "shop %s is authorized at LOGILESS; tokens stored in %s (access token valid until %s)\n",
		shop.Code, app.LogilessTokenFile(proc.StateDir, shop.Code), token.ExpiresAt.Format("2006-01-02 15:04 MST"))
	return nil
}
