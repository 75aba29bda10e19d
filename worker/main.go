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
	"github.com/ecforce-logiless/connector/discoveries"
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
	tuning, err := config.LoadWorkerTuning()
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
	var metrics *app.Metrics
	if proc.MetricsAddress != "" {
		metrics, err = app.NewMetrics()
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
	// Blocked runs: woken when a shop's mapping file or {file:} secret
	// changes; counted for /metrics.
	go app.WakeOnFileChanges(ctx, tc, proc.TemporalNamespace, shops, app.FileWatchInterval, logger)
	if metrics != nil {
		if err := metrics.ReportBlocked(ctx, tc, proc.TemporalNamespace, app.BlockedGaugeInterval, logger); err != nil {
			return err
		}
	}

	conn.Switches.Schedules = discoveries.SchedulePauses{Client: tc.ScheduleClient()}
	if proc.WebhookAddress != "" {
		if err := serveWebhooks(ctx, proc.WebhookAddress, shops, tc, proc.TaskQueue, metrics, logger); err != nil {
			return err
		}
	}
	// Bounded so that 10,000 runs waiting on an API budget keep the
	// process small and no waiting activity outlasts its StartToClose
	// (config.WorkerTuning).
	worker.SetStickyWorkflowCacheSize(tuning.WorkflowCacheSize)
	w := worker.New(tc, proc.TaskQueue, worker.Options{
		MaxConcurrentActivityExecutionSize: tuning.MaxConcurrentActivities,
		MaxHeartbeatThrottleInterval:       heartbeatThrottle,
	})
	conn.Register(w)
	logger.Info("worker started", "task_queue", proc.TaskQueue, "namespace", proc.TemporalNamespace, "shops", len(shops.Shops),
		"max_concurrent_activities", tuning.MaxConcurrentActivities, "workflow_cache_size", tuning.WorkflowCacheSize)
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	// One incremental discovery loop per shop and flow, started here and
	// kept running (every worker does it; the fixed workflow IDs make it
	// idempotent).
	go discoveries.KeepRunning(ctx, tc, proc.TaskQueue, shops, logger)
	<-ctx.Done()
	w.Stop()
	logger.Info("worker stopped")
	return nil
}

// heartbeatThrottle is the longest the SDK holds an activity's heartbeats
// before it sends them. Its default, 80% of the heartbeat timeout (48 s of
// an order step's minute), leaves a step waiting on an API budget 12 s of
// slack against a slow server; at 15 s it has 45 s, at about one
// heartbeat request per 15 s per running activity. (BenchmarkWorkerRSS
// still sees, on a loaded machine, one or two of 200 waiting steps timed
// out by their heartbeat with either value: see BENCHMARKS.md.)
const heartbeatThrottle = 15 * time.Second

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
