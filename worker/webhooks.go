package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/ecforce-logiless/connector/app"
	"github.com/ecforce-logiless/connector/config"
	"github.com/ecforce-logiless/connector/webhook"
)

// serveWebhooks serves the ecforce webhook receiver
// (POST /hooks/ecforce/<shop>/<secret>) at addr until ctx ends. Every
// worker may serve it: the shop's discovery loop debounces, not the
// receiver.
// With metrics on, each webhook is counted in
// connector_webhooks_received_total{shop,result}.
func serveWebhooks(ctx context.Context, addr string, shops *config.ShopsFile, tc client.Client, taskQueue string, metrics *app.Metrics, logger *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("webhook receiver %s: %w", addr, err)
	}
	rc := &webhook.Receiver{Shops: shops, Trigger: &app.WebhookTrigger{Client: tc, TaskQueue: taskQueue, Logger: logger}, Logger: logger}
	if metrics != nil {
		rc.Count = func(shop, result string) {
			metrics.Handler.WithTags(map[string]string{"shop": shop, "result": result}).Counter("connector_webhooks_received").Inc(1)
		}
	}
	srv := &http.Server{
		Handler:           rc.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		// The server's own error log would print nothing of a request's
		// path, but it goes through slog like the rest.
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	go func() { _ = srv.Serve(ln) }()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	var on []string
	for _, s := range shops.Shops {
		if s.Webhooks.Enabled() {
			on = append(on, s.Code)
		}
	}
	logger.Info("serving ecforce webhooks", "address", "http://"+ln.Addr().String()+webhook.Path+"<shop>/<secret>", "shops", on)
	return nil
}
