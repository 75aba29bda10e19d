package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/internal/logbuffer"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/ecforce-logiless/connector/app"
	"github.com/ecforce-logiless/connector/config"
	"github.com/ecforce-logiless/connector/payloadcodec"
	"github.com/ecforce-logiless/connector/sandbox"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
	"github.com/ecforce-logiless/connector/sharedstate"
)

// Secret values of the test stack: distinctive, so a leak is unmistakable.
const (
	testEcforcePassword   = "pw-E2E-5f1c9a77-never-log"
	testLogilessSecret    = "cs-E2E-0b8e4d21-never-log"
	testEcforceAdminEmail = "api@e2e.example"
)

// stack is one connector under test: sandbox APIs, a shops file, and a
// worker on its own task queue of the shared dev server.
type stack struct {
	t         *testing.T
	sb        *sandbox.Servers
	conn      *app.Connector
	taskQueue string
	logs      *logbuffer.Buffer
	dir       string
	shop      string
	worker    worker.Worker
	neighbour *neighbourShop
	metrics   *app.Metrics
	codec     *payloadcodec.Codec // encrypts payloads; nil: off
	client    client.Client       // the worker's, when it has metrics or a codec
	// state is the shared store of the stack's workers (opts.stateURL).
	state sharedstate.Store
	// extra are the workers of opts.extraWorkers, each with its own
	// connector and state directory, on the same task queue.
	extra []worker.Worker
}

// shopCounter makes every stack's shop code unique on the shared dev
// server, so workflow IDs of different tests never meet.
var shopCounter atomic.Int64

type stackOptions struct {
	shopYAML func(defaults string) string // optional rewrite of the order_import block etc.
	mapping  string                       // mapping CSV; default testMapping
	// neighbour adds a second shop, on its own sandbox and LOGILESS
	// merchant, served by the same worker (stack.neighbour).
	neighbour bool
	// neighbourOnMerchant puts that second shop on the stack's own
	// LOGILESS merchant, in store neighbourStoreID (its ecforce is its
	// own); neighbourYAML, if set, rewrites its shops-file entry.
	neighbourOnMerchant bool
	neighbourYAML       func(entry string) string
	// configure, if set, adjusts the connector before its worker starts
	// (e.g. smaller caps of the order discovery).
	configure func(*app.Connector)
	// metrics, if set, sees every HTTP exchange and the worker's Temporal
	// metrics, as in the worker binary with CONNECTOR_METRICS_ADDRESS.
	metrics *app.Metrics
	// codec, if set, encrypts the payloads of the worker and of the runs
	// the stack starts, as CONNECTOR_PAYLOAD_KEYS_FILE does.
	codec *payloadcodec.Codec
	// logiless, if set, adjusts the sandbox LOGILESS (token lifetimes,
	// revocation).
	logiless func(*logilessapi.Config)
	// stateURL, if set, keeps the shared state in this PostgreSQL database
	// (CONNECTOR_STATE_DATABASE_URL) instead of under the state directory.
	stateURL string
	// watchFiles runs the worker's file watch (app.WakeOnFileChanges), which
	// wakes the shop's blocked runs when its mapping file or a {file:}
	// secret changes, checking every 200 ms.
	watchFiles bool
	// extraWorkers starts that many more workers on the stack's task queue,
	// each built separately with a state directory of its own, as on other
	// machines.
	extraWorkers int
}

// neighbourShop is a second shop of a stack, sharing its worker. With
// stackOptions.neighbourOnMerchant its LOGILESS is the stack's (sb.Logiless
// is then unused).
type neighbourShop struct {
	sb   *sandbox.Servers
	shop string
}

// neighbourStoreID is the LOGILESS store of a neighbour on the stack's
// merchant.
const neighbourStoreID = 2

const testMapping = `sku,article_code,reserve,allocation_rate,max,min
TS-WHT-M,TS-WHT-M,0,100,,
MUG-BLU,MUG-BLU,2,100,,
SOAP-LAV,SOAP-LAV,0,80,,
SOAP-CIT,SOAP-CIT,0,100,,
SOAP-SET3,SOAP-SET3,0,100,,
`

func newStack(t *testing.T, opts stackOptions) *stack {
	t.Helper()
	ctx := testContext(t, time.Minute)
	// The sandboxes live as long as the test (Start closes them when its
	// context ends): a test may run longer than this setup's minute.
	sbCtx := testContext(t, time.Hour)
	sb := startSandbox(sbCtx, t, logilessapi.DefaultMerchantID, opts.logiless)
	shop := newShopCode()
	dir := t.TempDir()
	mappingCSV := opts.mapping
	if mappingCSV == "" {
		mappingCSV = testMapping
	}
	writeFile(t, filepath.Join(dir, "mapping.csv"), mappingCSV)
	yaml := shopsYAML(sb, shop)
	if opts.shopYAML != nil {
		yaml = opts.shopYAML(yaml)
	}
	var neighbour *neighbourShop
	neighbourLogiless := sb
	if opts.neighbour || opts.neighbourOnMerchant {
		neighbour = &neighbourShop{sb: startSandbox(sbCtx, t, logilessapi.DefaultMerchantID+1000, nil), shop: newShopCode()}
		entry := strings.TrimPrefix(shopsYAML(neighbour.sb, neighbour.shop), "shops:\n")
		if opts.neighbourOnMerchant {
			if err := sb.Logiless.AddStore(logilessapi.Store{ID: neighbourStoreID, Name: "E2E neighbour store"}); err != nil {
				t.Fatal(err)
			}
			entry = strings.TrimPrefix(shopsYAMLOn(neighbour.sb, sb, neighbourStoreID, neighbour.shop), "shops:\n")
		} else {
			neighbourLogiless = neighbour.sb
		}
		if opts.neighbourYAML != nil {
			entry = opts.neighbourYAML(entry)
		}
		yaml += entry
	}
	writeFile(t, filepath.Join(dir, "shops.yaml"), yaml)

	env := func(name string) (string, bool) {
		switch name {
		case "E2E_ECFORCE_PASSWORD":
			return testEcforcePassword, true
		case "E2E_LOGILESS_SECRET":
			return testLogilessSecret, true
		}
		return "", false
	}
	shops, err := config.LoadShops(filepath.Join(dir, "shops.yaml"), env)
	if err != nil {
		t.Fatalf("load shops: %v", err)
	}
	logs := &logbuffer.Buffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	buildOpts := app.Options{StateDir: filepath.Join(dir, "state"), Logger: logger, HTTPTimeout: 5 * time.Second}
	if opts.metrics != nil {
		buildOpts.Observer = opts.metrics
	}
	openState := func() sharedstate.Store {
		t.Helper()
		if opts.stateURL == "" {
			return nil
		}
		st, err := sharedstate.Open(ctx, opts.stateURL, "")
		if err != nil {
			t.Fatalf("open the shared state: %v", err)
		}
		t.Cleanup(st.Close)
		return st
	}
	buildOpts.State = openState()
	conn, err := app.Build(ctx, shops, buildOpts)
	if err != nil {
		t.Fatalf("build connector: %v", err)
	}
	// The one-time OAuth authorization, as `starter logiless-auth` does it.
	if _, err := conn.LogilessClients[shop].ExchangeCode(ctx, sb.Logiless.IssueAuthorizationCode()); err != nil {
		t.Fatalf("authorize at LOGILESS: %v", err)
	}
	if neighbour != nil {
		if _, err := conn.LogilessClients[neighbour.shop].ExchangeCode(ctx, neighbourLogiless.Logiless.IssueAuthorizationCode()); err != nil {
			t.Fatalf("authorize the neighbour shop at LOGILESS: %v", err)
		}
	}

	s := &stack{t: t, sb: sb, conn: conn, logs: logs, dir: dir, shop: shop, neighbour: neighbour, metrics: opts.metrics, codec: opts.codec,
		state:     buildOpts.State,
		taskQueue: fmt.Sprintf("e2e-%s-%d", strings.ReplaceAll(t.Name(), "/", "-"), time.Now().UnixNano())}
	if opts.configure != nil {
		opts.configure(conn)
	}
	s.startWorker()
	t.Cleanup(s.stopWorker)
	if opts.watchFiles {
		watchCtx, stopWatch := context.WithCancel(context.Background())
		t.Cleanup(stopWatch)
		go app.WakeOnFileChanges(watchCtx, temporalClient, "default", shops, 200*time.Millisecond, logger)
	}
	for i := range opts.extraWorkers {
		extraOpts := buildOpts
		extraOpts.StateDir = filepath.Join(dir, fmt.Sprintf("state-worker%d", i+2))
		extraOpts.State = openState()
		extra, err := app.Build(ctx, shops, extraOpts)
		if err != nil {
			t.Fatalf("build connector of worker %d: %v", i+2, err)
		}
		w := worker.New(temporalClient, s.taskQueue, worker.Options{})
		extra.Register(w)
		if err := w.Start(); err != nil {
			t.Fatalf("start worker %d: %v", i+2, err)
		}
		s.extra = append(s.extra, w)
		t.Cleanup(w.Stop)
	}
	return s
}

// startSandbox starts the fake ecforce and LOGILESS of one shop.
func startSandbox(ctx context.Context, t *testing.T, merchantID int, adjust func(*logilessapi.Config)) *sandbox.Servers {
	t.Helper()
	ll := logilessapi.Config{MerchantID: merchantID, ClientSecret: testLogilessSecret, Logger: discardLogger()}
	if adjust != nil {
		adjust(&ll)
	}
	// The servers live until the test's cleanup closes them, not only as
	// long as ctx (the setup's deadline): a test may run longer.
	sb, err := sandbox.Start(context.WithoutCancel(ctx), sandbox.StartConfig{
		Ecforce: ecforceapi.Config{
			AdminEmail: testEcforceAdminEmail, AdminPassword: testEcforcePassword,
			SettleDelay: 300 * time.Millisecond, Logger: discardLogger(),
		},
		Logiless: ll,
		Logger:   discardLogger(),
	})
	if err != nil {
		t.Fatalf("start sandbox: %v", err)
	}
	t.Cleanup(sb.Close)
	t.Cleanup(func() { recordPersonalData(sb) }) // runs before Close
	return sb
}

func newShopCode() string {
	return fmt.Sprintf("e2e-%d-%d", time.Now().Unix()%100000, shopCounter.Add(1))
}

// startWorker starts the stack's worker, as the worker binary would.
func (s *stack) startWorker() {
	s.t.Helper()
	c := temporalClient
	if s.metrics != nil || s.codec != nil {
		var opts client.Options
		if s.metrics != nil {
			opts.MetricsHandler = s.metrics.Handler
		}
		s.codec.Configure(&opts)
		var err error
		if c, err = client.NewClientFromExisting(temporalClient, opts); err != nil {
			s.t.Fatalf("client with metrics or codec: %v", err)
		}
		s.client = c
	}
	w := worker.New(c, s.taskQueue, worker.Options{})
	s.conn.Register(w)
	if err := w.Start(); err != nil {
		s.t.Fatalf("start worker: %v", err)
	}
	s.worker = w
}

// stopWorker stops the stack's worker, if it runs.
func (s *stack) stopWorker() {
	if s.worker != nil {
		s.worker.Stop()
		s.worker = nil
	}
	if s.client != nil {
		s.client.Close()
		s.client = nil
	}
}

// shopsYAML is the shops file of the test shop against the sandbox.
func shopsYAML(sb *sandbox.Servers, shop string) string {
	return shopsYAMLOn(sb, sb, logilessapi.DefaultStoreID, shop)
}

// shopsYAMLOn is the shops file of a test shop on ec's ecforce and store
// of ll's LOGILESS merchant.
func shopsYAMLOn(ec, ll *sandbox.Servers, store int64, shop string) string {
	return fmt.Sprintf(`shops:
  - code: %s
    name: E2E shop
    ecforce:
      base_url: %s/api/v2
      auth: password
      login_id: %s
      password: {env: E2E_ECFORCE_PASSWORD}
      requests_per_second: 50
      order_states: [linked]
    logiless:
      base_url: %s/api
      oauth_base_url: %s
      merchant_id: %d
      store_id: %d
      client_id: %s
      client_secret: {env: E2E_LOGILESS_SECRET}
      redirect_uri: %s
      requests_per_second: 50
    location_code: default
    order_import:
      auto_run: true
      only_due_today_or_earlier: true
      states: [complete]
      lookback: 168h
      imported_state: ""
      payment_methods: {クレジットカード決済: credit_card_payment, 代金引換: cod}
      default_payment_method: credit_card_payment
      delivery_methods: {ヤマト運輸: yamato, 佐川急便: sagawa, 日本郵便: yu_packet}
      default_delivery_method: yamato
    shipment_notification:
      auto_run: true
      with_sales: false
      status_after: ""
    stock_sync:
      enabled: true
    mapping_file: mapping.csv
`, shop, ec.EcforceURL, testEcforceAdminEmail, ll.LogilessURL, ll.LogilessURL, ll.Logiless.MerchantID(),
		store, logilessapi.DefaultClientID, logilessapi.DefaultRedirectURI)
}

// temporal is the client to start and read the stack's runs with: the
// worker's (with its codec) when it has one of its own.
func (s *stack) temporal() client.Client {
	if s.client != nil {
		return s.client
	}
	return temporalClient
}

// start runs a workflow on the stack's task queue.
func (s *stack) start(ctx context.Context, opts client.StartWorkflowOptions, wf interface{}, in interface{}) client.WorkflowRun {
	s.t.Helper()
	opts.TaskQueue = s.taskQueue
	run, err := s.temporal().ExecuteWorkflow(ctx, opts, wf, in)
	if err != nil {
		s.t.Fatalf("start %s: %v", opts.ID, err)
	}
	return run
}

// assertNoSecretsLeaked checks the worker's logs and the histories of the
// given workflows for every credential of the stack.
func (s *stack) assertNoSecretsLeaked(ctx context.Context, workflowIDs ...string) {
	s.t.Helper()
	secrets := []string{testEcforcePassword, testLogilessSecret, s.sb.Ecforce.APIToken()}
	secrets = append(secrets, s.tokenValues()...)
	logs := s.logs.String()
	for _, secret := range secrets {
		if secret != "" && strings.Contains(logs, secret) {
			s.t.Errorf("worker logs contain a credential (%.6s…)", secret)
		}
	}
	for _, id := range workflowIDs {
		history := historyText(ctx, s.t, id)
		for _, secret := range secrets {
			if secret != "" && strings.Contains(history, secret) {
				s.t.Errorf("history of %s contains a credential (%.6s…)", id, secret)
			}
		}
	}
}

// tokenValues are the OAuth and session tokens the connector stored: the
// values of the LOGILESS token file and the ecforce session token file, or
// of the shared store.
func (s *stack) tokenValues() []string {
	var out []string
	if s.state != nil {
		ctx := context.Background()
		if tok, err := s.state.EcforceToken(s.shop).LoadToken(ctx); err == nil {
			out = append(out, tok)
		}
		if tok, err := s.state.LogilessTokens(s.shop).Load(ctx); err == nil {
			out = append(out, tok.AccessToken, tok.RefreshToken)
		}
		return out
	}
	if b, err := os.ReadFile(filepath.Join(s.dir, "state", s.shop, "ecforce-session.token")); err == nil {
		out = append(out, strings.TrimSpace(string(b)))
	}
	if b, err := os.ReadFile(filepath.Join(s.dir, "state", s.shop, "logiless-tokens.json")); err == nil {
		var tokens struct {
			Access  string `json:"access_token"`
			Refresh string `json:"refresh_token"`
		}
		if err := json.Unmarshal(b, &tokens); err != nil {
			s.t.Fatalf("LOGILESS token file: %v", err)
		}
		out = append(out, tokens.Access, tokens.Refresh)
	}
	return out
}

// historyText is the whole event history of a workflow's latest run as text.
func historyText(ctx context.Context, t *testing.T, workflowID string) string {
	t.Helper()
	var b strings.Builder
	iter := temporalClient.GetWorkflowHistory(ctx, workflowID, "", false, 0)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			t.Fatalf("history of %s: %v", workflowID, err)
		}
		b.WriteString(ev.String())
		b.WriteByte('\n')
	}
	return b.String()
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
