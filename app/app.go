// Package app assembles the connector from its settings: one ecforce and one
// LOGILESS client per shop, sharing a rate limiter per API host and
// merchant, each shop's mapping table, the activities, and the workflow and
// activity registrations of a worker. The worker binary, the starter and the
// end-to-end tests all build the connector through here, so what is tested
// is what runs.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.temporal.io/sdk/worker"

	"github.com/ecforce-logiless/connector/activities"
	"github.com/ecforce-logiless/connector/config"
	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/httpapi"
	"github.com/ecforce-logiless/connector/logiless"
	"github.com/ecforce-logiless/connector/mapping"
	"github.com/ecforce-logiless/connector/sharedstate"
	"github.com/ecforce-logiless/connector/workflows"
)

// Connector is everything a worker needs, built from settings.
type Connector struct {
	Shops       *activities.ShopDirectory
	OrderImport *activities.OrderImport
	// StockSync holds the 在庫連動 (stock sync) activities.
	StockSync *activities.StockSync
	// ShipmentNotification holds the 出荷通知 activities.
	ShipmentNotification *activities.ShipmentNotification
	// Switches holds ShopSwitches, which every workflow reads the shop's
	// switches through.
	Switches *activities.Switches
	// LogilessClients are kept by shop code for the starter's one-time
	// authorization.
	LogilessClients map[string]*logiless.Client
}

// Options tune what Build makes; zero values are the production defaults.
type Options struct {
	// StateDir holds token files (<dir>/<shop>/...) when State is nil.
	StateDir string
	// State is where the shops' tokens and stock watermarks are shared
	// between workers; nil means the files under StateDir.
	State  sharedstate.Store
	Logger *slog.Logger
	// HTTPTimeout overrides the clients' per-request timeout.
	HTTPTimeout time.Duration
	// Observer, if set, sees every HTTP exchange of every client (metrics).
	Observer httpapi.Observer
}

// Build makes the connector for every shop in the shops file. It fails when
// a secret cannot be resolved or a shop's mapping CSV does not load,
// naming the shop and the field, so a bad setting stops the worker at start
// rather than failing orders at 3 a.m.
func Build(ctx context.Context, shops *config.ShopsFile, opts Options) (*Connector, error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	state := opts.State
	if state == nil {
		state = sharedstate.NewFiles(opts.StateDir)
	}
	// One limiter per budget: per ecforce host, and per LOGILESS merchant
	// (every shop on one merchant shares it, whatever its own setting; the
	// first shop's requests_per_second sets the pace). Each is shared with
	// the other workers of the state store, so that together they keep to
	// the budget.
	limiters := map[string]*httpapi.Limiter{}
	limiter := func(key string, perSecond float64) *httpapi.Limiter {
		if l, ok := limiters[key]; ok {
			return l
		}
		l := NewPacedLimiter(perSecond)
		l.Share(state.Budget(key), sharedBudgetErrors(logger, key))
		limiters[key] = l
		return l
	}

	c := &Connector{LogilessClients: map[string]*logiless.Client{}}
	var all []*activities.Shop
	for i := range shops.Shops {
		s := shops.Shops[i]

		ec, err := ecforce.New(ecforce.Config{
			Shop:     s.Code,
			BaseURL:  s.Ecforce.BaseURL,
			APIToken: s.Ecforce.APIToken.Secret().Reveal(),
			LoginID:  s.Ecforce.LoginID,
			Password: s.Ecforce.Password.Secret().Reveal(),
			// {file: …} secrets are re-read when their file changes, so a
			// rotated token or password needs no restart.
			CurrentAPIToken: func() string { return s.Ecforce.APIToken.Current().Reveal() },
			CurrentPassword: func() string { return s.Ecforce.Password.Current().Reveal() },
			TokenStore:      state.EcforceToken(s.Code),
			Limiter:         limiter("ecforce "+s.Ecforce.BaseURL, s.Ecforce.RequestsPerSecond),
			Timeout:         opts.HTTPTimeout,
			Observer:        opts.Observer,
			Logger:          logger,
		})
		if err != nil {
			return nil, fmt.Errorf("shop %q: ecforce client: %w", s.Code, err)
		}
		lc, err := NewLogilessClient(s, state.LogilessTokens(s.Code),
			limiter(fmt.Sprintf("logiless %s merchant %d", s.Logiless.BaseURL, s.Logiless.MerchantID), s.Logiless.RequestsPerSecond),
			opts.HTTPTimeout, opts.Observer, logger)
		if err != nil {
			return nil, err
		}
		source, err := NewMappingSource(ctx, s, lc, logger)
		if err != nil {
			return nil, err
		}
		c.LogilessClients[s.Code] = lc
		all = append(all, &activities.Shop{Settings: s, Ecforce: ec, Logiless: lc, Mapping: source})
	}
	c.Shops = activities.NewShopDirectory(all...)
	// The notifications of a shop ready at the same time share bulk
	// calls, and so do the state reads of imports that waited; the SDK's
	// default of 1,000 concurrent activities lets a discovery's whole batch
	// (MaxShipmentsPerRun) wait together. Each flow batches on its own, so
	// a shipment discovery's announced batch waits for its notifications
	// only.
	batches := func() *activities.EcforceBatches {
		return &activities.EcforceBatches{Window: activities.DefaultBatchWindow, MaxWait: activities.DefaultBatchMaxWait, Logger: logger}
	}
	c.OrderImport = &activities.OrderImport{
		Shops:   c.Shops,
		Cache:   activities.NewOrderCache(15*time.Minute, 20000),
		Logger:  logger,
		Batches: batches(),
	}
	c.ShipmentNotification = &activities.ShipmentNotification{
		Shops:   c.Shops,
		Cache:   activities.NewShipmentCache(15*time.Minute, 20000),
		Logger:  logger,
		Batches: batches(),
	}
	c.StockSync = activities.NewStockSync(c.Shops, state.StockStates(), logger)
	c.Switches = &activities.Switches{Shops: c.Shops}
	return c, nil
}

// Register registers on w every workflow of the registry workflows.Flows,
// each flow's activities, and the ShopSwitches step they share.
func (c *Connector) Register(w worker.Registry) {
	workflows.RegisterWorkflows(w)
	for _, f := range workflows.Flows {
		acts := c.activitiesOf(f.Name)
		if acts == nil {
			panic(fmt.Sprintf("app: flow %s has no activities; return them from Connector.activitiesOf", f.Name))
		}
		w.RegisterActivity(acts)
	}
	w.RegisterActivity(c.Switches)
}

// activitiesOf returns the activities of a flow, by its name, or nil for a
// flow the connector does not build.
func (c *Connector) activitiesOf(flow string) any {
	switch flow {
	case workflows.FlowOrderImport:
		return c.OrderImport
	case workflows.FlowShipmentNotification:
		return c.ShipmentNotification
	case workflows.FlowStockSync:
		return c.StockSync
	}
	return nil
}

// NewMappingSource makes the source of a shop's 商品対応表: its CSV file,
// loaded once now so that a broken file stops the worker at start, or the
// article maps of its LOGILESS store, read through lc when first needed
// (a worker starts before the shop is authorized at LOGILESS).
func NewMappingSource(ctx context.Context, s config.Shop, lc *logiless.Client, logger *slog.Logger) (activities.MappingSource, error) {
	if s.MappingSource == config.MappingFromLogiless {
		return mapping.NewLogilessSource(mapping.LogilessSourceConfig{
			Store:     s.Logiless.StoreID,
			Lister:    lc,
			Interval:  s.MappingRefresh.Interval,
			FullEvery: s.MappingRefresh.FullEvery,
			Logger:    logger.With("shop", s.Code),
		}), nil
	}
	source := mapping.NewFileSource(s.MappingFile)
	if _, err := source.Table(ctx); err != nil {
		return nil, fmt.Errorf("shop %q: mapping_file: %w", s.Code, err)
	}
	return source, nil
}

// NewLogilessClient makes the LOGILESS client of one shop, with its OAuth
// tokens in tokens (sharedstate.Store.LogilessTokens). limiter may be nil.
func NewLogilessClient(s config.Shop, tokens logiless.TokenStore, limiter *httpapi.Limiter, timeout time.Duration, observer httpapi.Observer, logger *slog.Logger) (*logiless.Client, error) {
	if limiter == nil {
		limiter = NewPacedLimiter(s.Logiless.RequestsPerSecond)
	}
	lc, err := logiless.New(logiless.Config{
		Shop:         s.Code,
		BaseURL:      s.Logiless.BaseURL,
		OAuthBaseURL: s.Logiless.OAuthBaseURL,
		MerchantID:   s.Logiless.MerchantID,
		ClientID:     s.Logiless.ClientID,
		ClientSecret: s.Logiless.ClientSecret.Secret().Reveal(),
		RedirectURI:  s.Logiless.RedirectURI,
		Tokens:       tokens,
		Limiter:      limiter,
		Timeout:      timeout,
		Observer:     observer,
		Logger:       logger,
	})
	if err != nil {
		return nil, fmt.Errorf("shop %q: LOGILESS client: %w", s.Code, err)
	}
	return lc, nil
}

// sharedBudgetErrors logs a failure of the shared request budget at most
// once a minute: the worker then paces itself alone until the store answers.
func sharedBudgetErrors(logger *slog.Logger, key string) func(error) {
	var mu sync.Mutex
	var last time.Time
	return func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(last) < time.Minute {
			return
		}
		last = time.Now()
		logger.Warn("the shared request budget does not answer; this worker paces itself alone until it does (check the state store)",
			"budget", key, "error", err)
	}
}

// LogilessTokenFile is where the file store keeps a shop's LOGILESS OAuth
// tokens (sharedstate.LogilessTokenFile).
func LogilessTokenFile(stateDir, shop string) string {
	return sharedstate.LogilessTokenFile(stateDir, shop)
}

// PaceSlack is what the connector adds to the interval between two
// requests of one budget: a server's token bucket of burst 1 refuses a
// request that arrives even a little early, and requests sent exactly one
// interval apart arrive with a few milliseconds of jitter. At 1 request/s
// it costs 3% of the rate; BENCHMARKS.md (pacing) has the figures it was
// chosen from (a 3% margin, 6 ms at 5 requests/s, still met a 429 now
// and then).
const PaceSlack = 30 * time.Millisecond

// NewPacedLimiter is the limiter of one API budget configured at perSecond
// requests per second (<= 0: unlimited): burst 1, one interval plus
// PaceSlack between requests.
func NewPacedLimiter(perSecond float64) *httpapi.Limiter {
	if perSecond <= 0 {
		return httpapi.NewLimiter(0, 1)
	}
	interval := time.Duration(float64(time.Second)/perSecond) + PaceSlack
	return httpapi.NewLimiter(float64(time.Second)/float64(interval), 1)
}
