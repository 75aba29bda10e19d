// Command worker runs the connector's workflows and activities: it reads the
// process settings (CONNECTOR_* environment variables) and the shops file,
// builds one ecforce and one LOGILESS client per shop, and polls the task
// queue until interrupted. Invalid settings stop it at start with a message
// naming the shop and the field.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/ecforce-logiless/connector/app"
	"github.com/ecforce-logiless/connector/config"
	"github.com/ecforce-logiless/connector/payloadcodec"
	"github.com/ecforce-logiless/connector/sharedstate"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
}

func run() error {
	proc, err := config.LoadProcess()
	if err != nil {
		return err
	}
	logger := app.NewLogger(os.Stderr, proc)
	slog.SetDefault(logger)

	shops, err := config.LoadShops(proc.ShopsFile, os.LookupEnv)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	state, err := sharedstate.Open(ctx, proc.StateDatabaseURL, proc.StateDir)
	if err != nil {
		return err
	}
	defer state.Close()
	logger.Info("shared state", "store", state.Describe())
	opts := app.Options{StateDir: proc.StateDir, State: state, Logger: logger, HTTPTimeout: proc.HTTPTimeout}
	clientOpts := client.Options{
		HostPort:  proc.TemporalAddress,
		Namespace: proc.TemporalNamespace,
		Logger:    tlog.NewStructuredLogger(logger),
	}
	codec, err := payloadcodec.FromSettings(proc)
	if err != nil {
		return err
	}
	codec.Configure(&clientOpts)
	if codec != nil {
		logger.Info("payload encryption on", "current_key_id", codec.CurrentKeyID(), "key_ids", codec.KeyIDs())
	}
	if proc.MetricsAddress != "" {
		metrics, err := app.NewMetrics()
		if err != nil {
			return err
		}
		defer metrics.Close()
		opts.Observer, clientOpts.MetricsHandler = metrics, metrics.Handler
		var codes []string
		for _, s := range shops.Shops {
			codes = append(codes, s.Code)
		}
		if err := metrics.ReportShopsOf(state, codes); err != nil {
			return err
		}
		if err := serveMetrics(ctx, proc.MetricsAddress, metrics, logger); err != nil {
			return err
		}
	}
	conn, err := app.Build(ctx, shops, opts)
	if err != nil {
		return err
	}
	tc, err := client.Dial(clientOpts)
	if err != nil {
		return fmt.Errorf("connect to Temporal at %s: %w (is the server running? `make demo` starts one)", proc.TemporalAddress, err)
	}
	defer tc.Close()

	w := worker.New(tc, proc.TaskQueue, worker.Options{})
	conn.Register(w)
	logger.Info("worker started", "task_queue", proc.TaskQueue, "namespace", proc.TemporalNamespace, "shops", len(shops.Shops))
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	<-ctx.Done()
	w.Stop()
	logger.Info("worker stopped")
	return nil
}

// serveMetrics serves Prometheus metrics at http://addr/metrics until ctx ends.
func serveMetrics(ctx context.Context, addr string, metrics *app.Metrics, logger *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("metrics endpoint %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", metrics.HTTP)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	logger.Info("serving metrics", "address", "http://"+ln.Addr().String()+"/metrics")
	return nil
}
