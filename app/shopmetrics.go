package app

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	prom "github.com/prometheus/client_golang/prometheus"

	"github.com/ecforce-logiless/connector/sharedstate"
)

// LogilessRefreshTokenLife is how long LOGILESS accepts a refresh token
// after issuing it: 30 days (LOGILESS's OAuth documentation). Every refresh
// issues a new one; a shop whose token is not refreshed within this time
// must be authorized again.
const LogilessRefreshTokenLife = 30 * 24 * time.Hour

// ReportShops makes /metrics report each of shops from the start. The
// per-shop connector counters (orders imported, notifications by step,
// stock writes and failures) start at 0, so that increase() in an alert
// sees a shop's first count, and two gauges tell from the shop's LOGILESS
// token file (LogilessTokenFile under stateDir) whether it holds a token
// pair and when the stored refresh token runs out:
//
//	connector_logiless_refresh_token_stored{shop}                     1 or 0
//	connector_logiless_refresh_token_expiry_timestamp_seconds{shop}   Unix time
//
// The files are read at each scrape, so the values follow every refresh
// the worker or the starter stores. No token, nor anything derived from
// one, is exposed. Call it once.
func (m *Metrics) ReportShops(stateDir string, shops []string) error {
	return m.ReportShopsOf(sharedstate.NewFiles(stateDir), shops)
}

// ReportShopsOf is ReportShops with the tokens read from state (the files
// of one machine or the PostgreSQL store shared by several workers).
func (m *Metrics) ReportShopsOf(state sharedstate.Store, shops []string) error {
	c := &logilessTokenCollector{
		state: state,
		shops: slices.Clone(shops),
		stored: prom.NewDesc("connector_logiless_refresh_token_stored",
			"1 when the shop's LOGILESS token file holds a token pair, 0 when it is missing, empty or unreadable (run starter logiless-auth --shop S).",
			[]string{"shop"}, nil),
		expiry: prom.NewDesc("connector_logiless_refresh_token_expiry_timestamp_seconds",
			"Unix time when the shop's stored LOGILESS refresh token runs out: 30 days after the token file was last written, i.e. after the last authorization or refresh. The worker refreshes about 3 days before; absent while no token is stored.",
			[]string{"shop"}, nil),
	}
	if err := m.registry.Register(c); err != nil {
		return fmt.Errorf("register the LOGILESS token metrics: %w", err)
	}
	for _, def := range countedMetrics {
		if !def.perShop {
			continue
		}
		vec := m.counters[def.name].vec
		starts := def.startAt
		if starts == nil {
			starts = []prom.Labels{{}}
		}
		for _, shop := range shops {
			for _, start := range starts {
				labels := prom.Labels{"shop": shop}
				maps.Copy(labels, start)
				if _, err := vec.GetMetricWith(labels); err != nil {
					return fmt.Errorf("shop %q: start metric %s: %w", shop, def.name, err)
				}
			}
		}
	}
	return nil
}

// logilessTokenCollector reads the shops' LOGILESS token files at scrape
// time.
type logilessTokenCollector struct {
	state  sharedstate.Store
	shops  []string
	stored *prom.Desc
	expiry *prom.Desc
}

// Describe implements prometheus.Collector.
func (c *logilessTokenCollector) Describe(ch chan<- *prom.Desc) {
	ch <- c.stored
	ch <- c.expiry
}

// Collect implements prometheus.Collector.
func (c *logilessTokenCollector) Collect(ch chan<- prom.Metric) {
	for _, shop := range c.shops {
		issued, ok := c.state.LogilessTokenSavedAt(context.Background(), shop)
		stored := 0.0
		if ok {
			stored = 1
			ch <- prom.MustNewConstMetric(c.expiry, prom.GaugeValue,
				float64(issued.Add(LogilessRefreshTokenLife).Unix()), shop)
		}
		ch <- prom.MustNewConstMetric(c.stored, prom.GaugeValue, stored, shop)
	}
}
