package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"
	"go.yaml.in/yaml/v3"

	"github.com/ecforce-logiless/connector/app"
	"github.com/ecforce-logiless/connector/logiless"
)

const (
	alertsFile     = "prometheus/alerts.yml"
	alertTestsFile = "prometheus/alerts_test.yml"
	promConfigFile = "prometheus/prometheus.yml"
	dashboardFile  = "grafana/connector-dashboard.json"
	// docsURL is where the runbook links of the alert rules point.
	docsURL = "https://github.com/ecforce-logiless/connector/blob/main/docs/"
)

// sdkMetrics are the Temporal SDK's metrics the rules or the dashboard
// use, by the name the SDK records them under (its constants in
// internal/common/metrics) and how: the worker serves a timer as
// <name>_seconds, a histogram.
var sdkMetrics = map[string]string{
	"temporal_activity_execution_latency": "timer",
}

// promtool finds promtool, which `make test` installs with Debian's
// prometheus package. Without it the test skips, except in CI.
func promtool(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("promtool is not installed; `make test` installs it (apt-get install prometheus)")
	}
	t.Skip("promtool is not installed: run `make promtool` (Debian's prometheus package) to check the alert rules")
	return ""
}

// The rules parse, their unit tests pass, and the example Prometheus
// configuration loads them.
func TestAlertRulesWithPromtool(t *testing.T) {
	bin := promtool(t)
	for _, args := range [][]string{
		{"check", "rules", alertsFile},
		{"test", "rules", alertTestsFile},
		{"check", "config", promConfigFile},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
		cancel()
		if err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// Every query of the dashboard is valid PromQL: promtool checks them as
// recording rules, with Grafana's variables replaced by values.
func TestDashboardQueriesParse(t *testing.T) {
	bin := promtool(t)
	d := loadDashboard(t)
	grafana := strings.NewReplacer("$__rate_interval", "5m", "$__range", "1h", "$__interval", "1m", "$shop", ".*")
	type rule struct {
		Record string `yaml:"record"`
		Expr   string `yaml:"expr"`
	}
	var rules []rule
	for _, p := range d.Panels {
		for _, target := range p.Targets {
			rules = append(rules, rule{Record: fmt.Sprintf("dashboard:panel%d:%s", p.ID, target.RefID), Expr: grafana.Replace(target.Expr)})
		}
	}
	out, err := yaml.Marshal(map[string]any{"groups": []any{map[string]any{"name": "dashboard", "rules": rules}}})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "dashboard-queries.yml")
	if err := os.WriteFile(file, out, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "check", "rules", file).CombinedOutput(); err != nil {
		t.Errorf("the dashboard's queries do not parse: %v\n%s", err, out)
	}
}

type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// Every alert has a severity, a summary, a description and a runbook in
// docs/ (docs/deploy_links_test.go checks the anchors), names only metrics
// the worker exports, and has a unit test in which it fires.
func TestAlertRulesAreComplete(t *testing.T) {
	var rules ruleFile
	readYAML(t, alertsFile, &rules)
	var tests struct {
		Tests []struct {
			AlertRuleTest []struct {
				Alertname string `yaml:"alertname"`
				ExpAlerts []any  `yaml:"exp_alerts"`
			} `yaml:"alert_rule_test"`
		} `yaml:"tests"`
	}
	readYAML(t, alertTestsFile, &tests)
	fires := map[string]bool{}
	for _, tc := range tests.Tests {
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) > 0 {
				fires[a.Alertname] = true
			}
		}
	}
	exported := workerMetrics(t)
	var names []string
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				t.Errorf("group %s has a rule without an alert name", g.Name)
				continue
			}
			names = append(names, r.Alert)
			if s := r.Labels["severity"]; s != "critical" && s != "warning" {
				t.Errorf("%s: severity %q, want critical or warning", r.Alert, s)
			}
			for _, a := range []string{"summary", "description", "runbook_url"} {
				if strings.TrimSpace(r.Annotations[a]) == "" {
					t.Errorf("%s has no %s", r.Alert, a)
				}
			}
			if !strings.HasPrefix(r.Annotations["runbook_url"], docsURL) || !strings.Contains(r.Annotations["runbook_url"], ".md#") {
				t.Errorf("%s: runbook_url %q is no section of a file in %s", r.Alert, r.Annotations["runbook_url"], docsURL)
			}
			if !fires[r.Alert] {
				t.Errorf("%s fires in no test of %s", r.Alert, alertTestsFile)
			}
			// up is the metric Prometheus itself makes for each scrape target.
			checkQuery(t, "alert "+r.Alert, r.Expr, exported, "up")
		}
	}
	if len(names) == 0 {
		t.Fatalf("%s has no alerts", alertsFile)
	}
	for _, want := range []string{"ConnectorWorkerDown", "EcforceCredentialsRejected", "LogilessReauthorizationNeeded",
		"ConnectorRunsFailing", "ConnectorStockWriteFailures", "LogilessRefreshTokenExpiringSoon"} {
		if !slices.Contains(names, want) {
			t.Errorf("%s lacks the alert %s", alertsFile, want)
		}
	}
}

type dashboard struct {
	Title      string `json:"title"`
	UID        string `json:"uid"`
	Templating struct {
		List []struct {
			Name  string `json:"name"`
			Type  string `json:"type"`
			Query any    `json:"query"`
		} `json:"list"`
	} `json:"templating"`
	Panels []struct {
		ID         int    `json:"id"`
		Title      string `json:"title"`
		Datasource struct {
			UID string `json:"uid"`
		} `json:"datasource"`
		GridPos struct {
			H, W, X, Y int
		} `json:"gridPos"`
		Targets []struct {
			RefID string `json:"refId"`
			Expr  string `json:"expr"`
		} `json:"targets"`
	} `json:"panels"`
}

func loadDashboard(t *testing.T) dashboard {
	t.Helper()
	b, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s is not valid JSON: %v", dashboardFile, err)
	}
	return d
}

// The dashboard is valid JSON whose every query names only metrics (and
// labels) the worker exports, and which shows every connector metric.
func TestDashboardQueriesNameExportedMetrics(t *testing.T) {
	d := loadDashboard(t)
	if d.Title == "" || d.UID == "" {
		t.Errorf("dashboard title %q, uid %q: both must be set", d.Title, d.UID)
	}
	exported := workerMetrics(t)
	shown := map[string]bool{}
	variables := map[string]bool{}
	labelValues := regexp.MustCompile(`^label_values\(([a-zA-Z_:][a-zA-Z0-9_:]*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$`)
	for _, v := range d.Templating.List {
		variables[v.Name] = true
		if v.Type != "query" {
			continue
		}
		q, _ := v.Query.(map[string]any)
		query, _ := q["query"].(string)
		m := labelValues.FindStringSubmatch(query)
		if m == nil {
			t.Errorf("variable %s: query %q is not label_values(metric, label)", v.Name, query)
			continue
		}
		if labels, ok := exported[m[1]]; !ok || !labels[m[2]] {
			t.Errorf("variable %s: the worker exports no metric %s with label %s", v.Name, m[1], m[2])
		}
	}
	if !variables["datasource"] {
		t.Error("the dashboard has no datasource variable; imports would be bound to one Prometheus")
	}
	ids := map[int]bool{}
	for _, p := range d.Panels {
		if ids[p.ID] {
			t.Errorf("panel id %d is used twice", p.ID)
		}
		ids[p.ID] = true
		if p.GridPos.W <= 0 || p.GridPos.H <= 0 || p.GridPos.X+p.GridPos.W > 24 {
			t.Errorf("panel %q: gridPos %+v does not fit the 24-column grid", p.Title, p.GridPos)
		}
		if p.Datasource.UID != "${datasource}" {
			t.Errorf("panel %q: datasource %q, want ${datasource}", p.Title, p.Datasource.UID)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, target := range p.Targets {
			for _, name := range checkQuery(t, "panel "+p.Title, target.Expr, exported) {
				shown[family(name)] = true
			}
		}
	}
	for name := range exported {
		if strings.HasPrefix(name, "connector_") && !shown[family(name)] {
			t.Errorf("the dashboard shows no %s", family(name))
		}
	}
}

// family is the metric a series name belongs to: a histogram's series
// without _bucket, _sum or _count.
func family(series string) string {
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(series, suffix); ok {
			return base
		}
	}
	return series
}

// The compose stack's workers serve metrics where the example Prometheus
// configuration scrapes them: every replica of the service, found by the
// service's DNS name, at the port of CONNECTOR_METRICS_ADDRESS.
func TestComposeWorkerServesMetricsWherePrometheusScrapes(t *testing.T) {
	c := loadCompose(t)
	addr := c.Services["worker"].Environment["CONNECTOR_METRICS_ADDRESS"]
	if addr == "" {
		t.Fatal("the compose worker does not set CONNECTOR_METRICS_ADDRESS")
	}
	if got := c.Services["worker"].Environment["CONNECTOR_TEMPORAL_ADDRESS"]; got != "temporal:7233" {
		t.Errorf("the worker's environment lost the shared settings: CONNECTOR_TEMPORAL_ADDRESS = %q", got)
	}
	var cfg struct {
		RuleFiles     []string `yaml:"rule_files"`
		ScrapeConfigs []struct {
			JobName      string `yaml:"job_name"`
			DNSSDConfigs []struct {
				Names []string `yaml:"names"`
				Type  string   `yaml:"type"`
				Port  int      `yaml:"port"`
			} `yaml:"dns_sd_configs"`
		} `yaml:"scrape_configs"`
	}
	readYAML(t, promConfigFile, &cfg)
	if !slices.Contains(cfg.RuleFiles, filepath.Base(alertsFile)) {
		t.Errorf("%s does not load %s", promConfigFile, filepath.Base(alertsFile))
	}
	port, err := strconv.Atoi(addr[strings.LastIndex(addr, ":")+1:])
	if err != nil {
		t.Fatalf("CONNECTOR_METRICS_ADDRESS %q has no port", addr)
	}
	found := false
	for _, sc := range cfg.ScrapeConfigs {
		for _, d := range sc.DNSSDConfigs {
			if sc.JobName == "connector-worker" && slices.Contains(d.Names, "worker") && d.Type == "A" && d.Port == port {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("%s has no job connector-worker scraping every replica of service worker (dns_sd_configs, type A) at port %d", promConfigFile, port)
	}
}

// checkQuery reports the metrics and labels of a PromQL expression the
// worker does not export (allowed: extra metrics made elsewhere) and
// returns the metric names it found.
func checkQuery(t *testing.T, where, expr string, exported map[string]map[string]bool, allowed ...string) []string {
	t.Helper()
	if strings.TrimSpace(expr) == "" {
		t.Errorf("%s: empty query", where)
		return nil
	}
	q := parseQuery(expr)
	if len(q.metrics) == 0 {
		t.Errorf("%s: no metric in %q", where, expr)
	}
	// Prometheus adds job and instance to every scraped series.
	known := map[string]bool{"job": true, "instance": true}
	for _, name := range q.metrics {
		labels, ok := exported[name]
		if !ok && !slices.Contains(allowed, name) {
			t.Errorf("%s: the worker exports no metric %s (query %q)", where, name, expr)
		}
		for l := range labels {
			known[l] = true
		}
	}
	for _, l := range q.labels {
		if !known[l] {
			t.Errorf("%s: no metric of the query has the label %s (query %q)", where, l, expr)
		}
	}
	return q.metrics
}

func TestParseQuery(t *testing.T) {
	q := parseQuery(`histogram_quantile(0.95, sum by (api, le) (rate(a_bucket{status=~"5xx|error", api!="x"}[$__rate_interval])))
		/ on() group_left(shop) b_total offset 15m > bool 2 * 86400 unless absent(up{job="w"})`)
	if want := []string{"a_bucket", "b_total", "up"}; !slices.Equal(q.metrics, want) {
		t.Errorf("metrics %v, want %v", q.metrics, want)
	}
	if want := []string{"api", "le", "status", "api", "shop", "job"}; !slices.Equal(q.labels, want) {
		t.Errorf("labels %v, want %v", q.labels, want)
	}
}

type query struct {
	metrics []string
	labels  []string // in matchers and in by/without/on/ignoring/group_* clauses
}

var (
	promToken = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\[[^\]]*\]|[a-zA-Z_:][a-zA-Z0-9_:]*|[0-9][0-9a-zA-Z.]*|=~|!~|!=|==|>=|<=|\S`)
	promWords = map[string]bool{
		"and": true, "or": true, "unless": true, "bool": true, "offset": true, "inf": true, "nan": true,
		// aggregation operators, which may take by (...) before their parentheses
		"sum": true, "min": true, "max": true, "avg": true, "group": true, "stddev": true, "stdvar": true,
		"count": true, "count_values": true, "bottomk": true, "topk": true, "quantile": true,
	}
	promLists = map[string]bool{"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true}
)

// parseQuery picks the metric names and label names out of a PromQL
// expression: identifiers that are no function, keyword or label.
func parseQuery(expr string) query {
	toks := promToken.FindAllString(expr, -1)
	var q query
	ident := regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	for i := 0; i < len(toks); i++ {
		tok := toks[i]
		next := ""
		if i+1 < len(toks) {
			next = toks[i+1]
		}
		switch {
		case tok == "{": // label matchers up to }
			for i++; i < len(toks) && toks[i] != "}"; i++ {
				if ident.MatchString(toks[i]) && i+1 < len(toks) && slices.Contains([]string{"=", "!=", "=~", "!~"}, toks[i+1]) {
					q.labels = append(q.labels, toks[i])
				}
			}
		case promLists[strings.ToLower(tok)] && next == "(":
			for i += 2; i < len(toks) && toks[i] != ")"; i++ {
				if ident.MatchString(toks[i]) {
					q.labels = append(q.labels, toks[i])
				}
			}
		case !ident.MatchString(tok) || promWords[strings.ToLower(tok)] || next == "(":
		default:
			if !slices.Contains(q.metrics, tok) {
				q.metrics = append(q.metrics, tok)
			}
		}
	}
	return q
}

// workerMetrics builds the worker's metrics as the worker does, exercises
// every connector counter the Go code increments (found in the source), the
// API observer, the LOGILESS token gauges and the SDK metrics of
// sdkMetrics, and returns the series names /metrics serves with their
// label names.
func workerMetrics(t *testing.T) map[string]map[string]bool {
	t.Helper()
	m, err := app.NewMetrics()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	stateDir := t.TempDir()
	store := logiless.NewFileTokenStore(app.LogilessTokenFile(stateDir, "demo"))
	if err := store.Save(context.Background(), logiless.Token{AccessToken: "a", RefreshToken: "r"}); err != nil {
		t.Fatal(err)
	}
	if err := m.ReportShops(stateDir, []string{"demo"}); err != nil {
		t.Fatal(err)
	}
	m.ObserveResponse("LOGILESS", 200, 100*time.Millisecond)
	blockedCtx, stopBlocked := context.WithCancel(context.Background())
	defer stopBlocked()
	if err := m.ReportBlocked(blockedCtx, oneBlockedRun{}, "default", time.Hour, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	tags := map[string]string{"shop": "demo", "step": "shipping", "workflow": "ImportOrder", "reason": "UnmappedSKU"}
	for _, name := range countedInSource(t) {
		m.Handler.WithTags(tags).Counter(name).Inc(1)
	}
	sdkTags := map[string]string{
		"namespace": "default", "client_name": "temporal_go", "worker_type": "ActivityWorker",
		"workflow_type": "ImportOrder", "activity_type": "CreateSalesOrder", "task_queue": "ecforce-logiless",
	}
	checkSDKMetricNames(t)
	var waitFor []string
	for name, kind := range sdkMetrics {
		if kind != "timer" {
			t.Fatalf("sdkMetrics: kind %q of %s is not handled", kind, name)
		}
		m.Handler.WithTags(sdkTags).Timer(name).Record(time.Second)
		waitFor = append(waitFor, name+"_seconds_count{")
	}

	body := m.Text(5*time.Second, waitFor...)
	series := regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? `)
	label := regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="`)
	out := map[string]map[string]bool{}
	for _, line := range strings.Split(body, "\n") {
		// A connector metric the flow code counts but app does not declare
		// gets tally's placeholder HELP "<name> counter".
		if rest, ok := strings.CutPrefix(line, "# HELP connector_"); ok {
			if name, help, _ := strings.Cut(rest, " "); strings.HasPrefix(help, "connector_"+name) {
				t.Errorf("connector_%s has no HELP text: declare it in app's countedMetrics", name)
			}
		}
		mm := series.FindStringSubmatch(line)
		if mm == nil {
			continue
		}
		if out[mm[1]] == nil {
			out[mm[1]] = map[string]bool{}
		}
		for _, l := range label.FindAllStringSubmatch(mm[2], -1) {
			out[mm[1]][l[1]] = true
		}
	}
	for _, name := range waitFor {
		if _, ok := out[strings.TrimSuffix(name, "{")]; !ok {
			t.Fatalf("/metrics does not serve %s", strings.TrimSuffix(name, "{"))
		}
	}
	return out
}

// countedInSource returns the connector counters the module's Go code
// increments: the names passed to Counter("connector_...").
func countedInSource(t *testing.T) []string {
	t.Helper()
	call := regexp.MustCompile(`Counter\("(connector_[a-z_]+)"\)`)
	seen := map[string]bool{}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "bin") && path != ".." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range call.FindAllStringSubmatch(string(src), -1) {
			seen[m[1]] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) < 5 {
		t.Fatalf("found only %v incremented in the Go code; has the counting moved?", names)
	}
	return names
}

// checkSDKMetricNames checks that the Temporal SDK the module builds with
// records each metric of sdkMetrics under that name.
func checkSDKMetricNames(t *testing.T) {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "go.temporal.io/sdk").Output()
	if err != nil {
		t.Fatalf("locate the Temporal SDK module: %v", err)
	}
	src, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "internal", "common", "metrics", "constants.go"))
	if err != nil {
		t.Fatalf("read the SDK's metric names: %v", err)
	}
	for name := range sdkMetrics {
		if !strings.Contains(string(src), `TemporalMetricsPrefix + "`+strings.TrimPrefix(name, "temporal_")+`"`) {
			t.Errorf("the Temporal SDK has no metric %s (internal/common/metrics/constants.go)", name)
		}
	}
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s does not parse: %v", path, err)
	}
}

// oneBlockedRun is a visibility that lists one blocked import, for the
// connector_blocked_runs gauge.
type oneBlockedRun struct{}

func (oneBlockedRun) ListWorkflow(context.Context, *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error) {
	sa := map[string]*commonpb.Payload{}
	for k, v := range map[string]string{"ConnectorShop": "demo", "ConnectorFlow": "order-import", "ConnectorOutcome": "blocked:UnmappedSKU"} {
		p, err := converter.GetDefaultDataConverter().ToPayload(v)
		if err != nil {
			return nil, err
		}
		sa[k] = p
	}
	return &workflowservice.ListWorkflowExecutionsResponse{Executions: []*workflowpb.WorkflowExecutionInfo{{
		Execution:        &commonpb.WorkflowExecution{WorkflowId: "import-order/demo/EC1", RunId: "r"},
		SearchAttributes: &commonpb.SearchAttributes{IndexedFields: sa},
	}}}, nil
}
