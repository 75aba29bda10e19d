package app

import (
	"context"
	"log/slog"
	"time"

	prom "github.com/prometheus/client_golang/prometheus"

	"github.com/ecforce-logiless/connector/blockedruns"
)

// BlockedGaugeInterval is how often the worker counts the blocked runs.
const BlockedGaugeInterval = 60 * time.Second

// ReportBlocked makes /metrics report connector_blocked_runs{shop,flow,reason}:
// the runs that wait for a person now (running, outcome blocked:<reason>),
// counted from Temporal's visibility every interval until ctx ends. It is
// current, unlike a counter of failures: a run that cleared drops out, a
// superseded failure never counts. A series whose runs all cleared goes to
// 0. Every worker reports the same numbers (alert on max, not sum). Call it
// once.
func (m *Metrics) ReportBlocked(ctx context.Context, c blockedruns.Lister, namespace string, interval time.Duration, logger *slog.Logger) error {
	g := prom.NewGaugeVec(prom.GaugeOpts{
		Name: "connector_blocked_runs",
		Help: "Runs that wait for a person now (ExecutionStatus Running, ConnectorOutcome blocked:<reason>), by shop, flow and reason (the error type, a section of docs/errors.md); counted from Temporal visibility every minute. Every worker reports the same count.",
	}, []string{"shop", "flow", "reason"})
	if err := m.registry.Register(g); err != nil {
		return err
	}
	go func() {
		seen := map[blockedruns.Key]bool{}
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			n, err := blockedruns.Count(ctx, c, namespace)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				logger.Warn("could not count the blocked runs", "error", err)
			} else {
				for k := range seen {
					if _, ok := n[k]; !ok {
						g.WithLabelValues(k.Shop, k.Flow, k.Reason).Set(0)
					}
				}
				for k, v := range n {
					seen[k] = true
					g.WithLabelValues(k.Shop, k.Flow, k.Reason).Set(float64(v))
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return nil
}
