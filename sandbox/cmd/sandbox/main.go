// Command sandbox runs the fake ecforce and LOGILESS servers for demos and
// manual testing:
//
//	go run ./sandbox/cmd/sandbox -seed-demo -simulate
//
// Every flag can also be set through the environment variable shown in its
// help text (flags win). Stop with Ctrl-C.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ecforce-logiless/connector/sandbox"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/httpfake"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "sandbox:", err)
		os.Exit(1)
	}
}

// env reads SANDBOX_<NAME> with a default.
func env(name, def string) string {
	if v, ok := os.LookupEnv("SANDBOX_" + name); ok {
		return v
	}
	return def
}

func envParsed[T any](name string, def T, parse func(string) (T, error), errs *[]error) T {
	s, ok := os.LookupEnv("SANDBOX_" + name)
	if !ok {
		return def
	}
	v, err := parse(s)
	if err != nil {
		*errs = append(*errs, fmt.Errorf("SANDBOX_%s=%q: %w", name, s, err))
		return def
	}
	return v
}

func parseFloat(s string) (float64, error) { return strconv.ParseFloat(s, 64) }

func run(args []string) error {
	var envErrs []error
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	var (
		ecAddr       = fs.String("ecforce-addr", env("ECFORCE_ADDR", "127.0.0.1:18081"), "ecforce listen address [SANDBOX_ECFORCE_ADDR]")
		llAddr       = fs.String("logiless-addr", env("LOGILESS_ADDR", "127.0.0.1:18082"), "LOGILESS listen address [SANDBOX_LOGILESS_ADDR]")
		ecToken      = fs.String("ecforce-token", env("ECFORCE_TOKEN", ecforceapi.DefaultAPIToken), "ecforce static API token [SANDBOX_ECFORCE_TOKEN]")
		ecEmail      = fs.String("ecforce-email", env("ECFORCE_EMAIL", ecforceapi.DefaultAdminEmail), "ecforce admin e-mail for sign_in [SANDBOX_ECFORCE_EMAIL]")
		ecPassword   = fs.String("ecforce-password", env("ECFORCE_PASSWORD", ecforceapi.DefaultAdminPassword), "ecforce admin password for sign_in [SANDBOX_ECFORCE_PASSWORD]")
		ecRPS        = fs.Float64("ecforce-rps", envParsed("ECFORCE_RPS", 0, parseFloat, &envErrs), "ecforce rate limit, requests/second; 0 = unlimited [SANDBOX_ECFORCE_RPS]")
		ecBurst      = fs.Int("ecforce-burst", envParsed("ECFORCE_BURST", 0, strconv.Atoi, &envErrs), "ecforce rate-limit burst; 0 = 1 (strict) [SANDBOX_ECFORCE_BURST]")
		settle       = fs.Duration("settle-delay", envParsed("SETTLE_DELAY", 2*time.Second, time.ParseDuration, &envErrs), "ecforce payment capture delay [SANDBOX_SETTLE_DELAY]")
		llMerchant   = fs.Int("logiless-merchant-id", envParsed("LOGILESS_MERCHANT_ID", logilessapi.DefaultMerchantID, strconv.Atoi, &envErrs), "LOGILESS merchant id [SANDBOX_LOGILESS_MERCHANT_ID]")
		llClientID   = fs.String("logiless-client-id", env("LOGILESS_CLIENT_ID", logilessapi.DefaultClientID), "LOGILESS OAuth client id [SANDBOX_LOGILESS_CLIENT_ID]")
		llSecret     = fs.String("logiless-client-secret", env("LOGILESS_CLIENT_SECRET", logilessapi.DefaultClientSecret), "LOGILESS OAuth client secret [SANDBOX_LOGILESS_CLIENT_SECRET]")
		llRedirect   = fs.String("logiless-redirect-uri", env("LOGILESS_REDIRECT_URI", logilessapi.DefaultRedirectURI), "LOGILESS OAuth redirect URI [SANDBOX_LOGILESS_REDIRECT_URI]")
		llRPS        = fs.Float64("logiless-rps", envParsed("LOGILESS_RPS", 0, parseFloat, &envErrs), "LOGILESS rate limit per merchant, requests/second; 0 = unlimited, 1 = production-like [SANDBOX_LOGILESS_RPS]")
		llBurst      = fs.Int("logiless-burst", envParsed("LOGILESS_BURST", 0, strconv.Atoi, &envErrs), "LOGILESS rate-limit burst; 0 = 1 (strict) [SANDBOX_LOGILESS_BURST]")
		plainUTF8    = fs.Bool("logiless-plain-utf8", envParsed("LOGILESS_PLAIN_UTF8", false, strconv.ParseBool, &envErrs), "LOGILESS responses in raw UTF-8 instead of \\uNNNN escapes [SANDBOX_LOGILESS_PLAIN_UTF8]")
		seedDemo     = fs.Bool("seed-demo", envParsed("SEED_DEMO", false, strconv.ParseBool, &envErrs), "seed the demo data set [SANDBOX_SEED_DEMO]")
		simulate     = fs.Bool("simulate", envParsed("SIMULATE", false, strconv.ParseBool, &envErrs), "create orders, ship them and move stock periodically [SANDBOX_SIMULATE]")
		simInterval  = fs.Duration("simulate-interval", envParsed("SIMULATE_INTERVAL", 5*time.Second, time.ParseDuration, &envErrs), "simulation tick [SANDBOX_SIMULATE_INTERVAL]")
		simMaxOrders = fs.Int("simulate-max-orders", envParsed("SIMULATE_MAX_ORDERS", 500, strconv.Atoi, &envErrs), "cap on orders the simulation creates [SANDBOX_SIMULATE_MAX_ORDERS]")
		logLevel     = fs.String("log-level", env("LOG_LEVEL", "info"), "debug (logs every request), info, warn or error [SANDBOX_LOG_LEVEL]")
	)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if len(envErrs) > 0 {
		return errors.Join(envErrs...)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(strings.ToUpper(*logLevel))); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(logger)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	srv, err := sandbox.Start(ctx, sandbox.StartConfig{
		EcforceAddr:  *ecAddr,
		LogilessAddr: *llAddr,
		Logger:       logger,
		Ecforce: ecforceapi.Config{
			APIToken: *ecToken, AdminEmail: *ecEmail, AdminPassword: *ecPassword,
			RateLimit: httpfake.RateLimit{RPS: *ecRPS, Burst: *ecBurst}, SettleDelay: *settle,
		},
		Logiless: logilessapi.Config{
			MerchantID: *llMerchant, ClientID: *llClientID, ClientSecret: *llSecret, RedirectURI: *llRedirect,
			RateLimit: httpfake.RateLimit{RPS: *llRPS, Burst: *llBurst}, PlainUTF8: *plainUTF8,
		},
	})
	if err != nil {
		return err
	}
	defer srv.Close()
	logger.Info("fake ecforce listening", "url", srv.EcforceURL, "api", srv.EcforceURL+"/api/v2",
		"default_credentials", *ecToken == ecforceapi.DefaultAPIToken && *ecPassword == ecforceapi.DefaultAdminPassword)
	logger.Info("fake LOGILESS listening", "url", srv.LogilessURL, "api", srv.LogilessMerchantURL(),
		"client_id", *llClientID, "default_credentials", *llSecret == logilessapi.DefaultClientSecret)
	logger.Info("control endpoints", "ecforce", srv.EcforceURL+"/_sandbox/", "logiless", srv.LogilessURL+"/_sandbox/")

	if *seedDemo {
		if err := sandbox.SeedDemo(srv.Ecforce, srv.Logiless); err != nil {
			return err
		}
		st := srv.Ecforce.Snapshot()
		logger.Info("demo data seeded", "ecforce_orders", len(st.Orders), "stock_items", len(st.StockItems),
			"logiless_articles", len(srv.Logiless.Snapshot().Articles))
	}
	done := make(chan struct{})
	if *simulate {
		go func() {
			defer close(done)
			_ = sandbox.Simulate(ctx, srv.Ecforce, srv.Logiless, sandbox.SimulateConfig{
				Interval: *simInterval, MaxOrders: *simMaxOrders, Logger: logger,
			})
		}()
	} else {
		close(done)
	}
	<-ctx.Done()
	logger.Info("shutting down")
	<-done
	return nil
}
