// Package deploy holds the files users deploy the connector with (the shops
// files mounted by docker-compose.yml, the Prometheus alert rules and
// configuration in prometheus/, the Grafana dashboard in grafana/) and the
// tests that check them: the compose file's services and wiring, since no
// Docker engine runs where tests run, and the monitoring files against the
// metrics the worker exports (monitoring_test.go, with promtool).
package deploy

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/ecforce-logiless/connector/config"
	"github.com/ecforce-logiless/connector/workflows"
)

type composeFile struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Build       any               `yaml:"build"`
		Command     any               `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
		DependsOn   any               `yaml:"depends_on"`
		Profiles    []string          `yaml:"profiles"`
		Ports       []string          `yaml:"ports"`
		Volumes     []string          `yaml:"volumes"`
		Deploy      struct {
			Replicas int `yaml:"replicas"`
		} `yaml:"deploy"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	b, err := os.ReadFile("../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("docker-compose.yml does not parse: %v", err)
	}
	return c
}

func dependsOn(v any) []string {
	switch d := v.(type) {
	case []any:
		var out []string
		for _, x := range d {
			out = append(out, x.(string))
		}
		return out
	case map[string]any:
		var out []string
		for k := range d {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	return nil
}

func TestComposeServicesAndWiring(t *testing.T) {
	c := loadCompose(t)
	for _, name := range []string{"postgresql", "temporal", "temporal-setup", "temporal-ui", "worker", "schedules", "sandbox"} {
		if _, ok := c.Services[name]; !ok {
			t.Errorf("service %q missing", name)
		}
	}
	if got := dependsOn(c.Services["temporal"].DependsOn); !slices.Contains(got, "postgresql") {
		t.Errorf("temporal depends on %v, want postgresql", got)
	}
	if got := c.Services["temporal-ui"].Environment["TEMPORAL_ADDRESS"]; got != "temporal:7233" {
		t.Errorf("temporal-ui TEMPORAL_ADDRESS = %q", got)
	}
	// The versions match the dev server the tests run (CLI v1.5.1: server 1.29.1, UI 2.42.1).
	for svc, want := range map[string]string{"temporal": "1.29.1", "temporal-setup": "1.29.1", "temporal-ui": "2.42.1"} {
		if img := c.Services[svc].Image; !strings.HasSuffix(img, ":"+want) {
			t.Errorf("%s image %q, want version %s", svc, img, want)
		}
	}
	for _, svc := range []string{"worker", "schedules"} {
		s := c.Services[svc]
		if s.Environment["CONNECTOR_TEMPORAL_ADDRESS"] != "temporal:7233" {
			t.Errorf("%s CONNECTOR_TEMPORAL_ADDRESS = %q", svc, s.Environment["CONNECTOR_TEMPORAL_ADDRESS"])
		}
		if s.Build == nil {
			t.Errorf("%s is not built from this repository", svc)
		}
		if got := dependsOn(s.DependsOn); !slices.Contains(got, "temporal-setup") {
			t.Errorf("%s depends on %v; it must wait for the search attributes", svc, got)
		}
		if !slices.ContainsFunc(s.Volumes, func(v string) bool { return strings.HasPrefix(v, "connector-state:") }) {
			t.Errorf("%s does not mount the state volume (LOGILESS refresh tokens rotate and must persist)", svc)
		}
	}
	if cmd, _ := c.Services["schedules"].Command.([]any); len(cmd) < 3 || cmd[0] != "starter" || cmd[1] != "schedules" || cmd[2] != "apply" {
		t.Errorf("schedules command = %v, want starter schedules apply", c.Services["schedules"].Command)
	}
	if !slices.Contains(c.Services["sandbox"].Profiles, "sandbox") {
		t.Error("the sandbox must only run with --profile sandbox")
	}
	if _, ok := c.Volumes["connector-state"]; !ok {
		t.Error("volume connector-state not declared")
	}

	// temporal-setup registers every search attribute the workflows set.
	setup := strings.Join(flatten(c.Services["temporal-setup"].Command), " ")
	for name := range workflows.SearchAttributeNames {
		if !strings.Contains(setup, name) {
			t.Errorf("temporal-setup does not create search attribute %s", name)
		}
	}
}

// Several workers run and share one state store: the connector's database
// in the compose PostgreSQL, created before any worker starts.
func TestComposeWorkersShareOneStateStore(t *testing.T) {
	c := loadCompose(t)
	w := c.Services["worker"]
	if w.Deploy.Replicas < 3 {
		t.Errorf("worker replicas = %d, want 3 (as with --scale worker=3)", w.Deploy.Replicas)
	}
	for _, svc := range []string{"worker", "schedules"} {
		env := c.Services[svc].Environment
		// As compose interpolates it with the defaults.
		raw := regexp.MustCompile(`\$\{[A-Z_]+:-([^}]*)\}`).ReplaceAllString(env["CONNECTOR_STATE_DATABASE_URL"], "$1")
		u, err := url.Parse(raw)
		if err != nil || u.Scheme != "postgres" || u.Hostname() != "postgresql" || u.Path != "/connector" {
			t.Errorf("%s CONNECTOR_STATE_DATABASE_URL = %q; want postgres://…@postgresql:5432/connector", svc, raw)
		}
		p := config.Process{TemporalAddress: "t:1", TemporalNamespace: "n", TaskQueue: "q", ShopsFile: "s", StateDir: "/state",
			StateDatabaseURL: raw, LogLevel: "info", LogFormat: "json", WebUIURL: "http://x"}
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", svc, err)
		}
	}
	if got := dependsOn(w.DependsOn); !slices.Contains(got, "connector-db-setup") {
		t.Errorf("worker depends on %v; it must wait for the connector database", got)
	}
	setup := c.Services["connector-db-setup"]
	if got := dependsOn(setup.DependsOn); !slices.Contains(got, "postgresql") {
		t.Errorf("connector-db-setup depends on %v, want postgresql", got)
	}
	if cmd := strings.Join(flatten(setup.Command), " "); !strings.Contains(cmd, "CREATE DATABASE connector") {
		t.Errorf("connector-db-setup does not create the database: %s", cmd)
	}
	if env := setup.Environment; env["PGHOST"] != "postgresql" || env["PGUSER"] != c.Services["postgresql"].Environment["POSTGRES_USER"] {
		t.Errorf("connector-db-setup connects as %s@%s, want the compose PostgreSQL's user", env["PGUSER"], env["PGHOST"])
	}
}

// The default shops file of the compose stack loads with the secrets the
// compose file passes, and points at the sandbox service.
func TestComposeDefaultShopsFileLoads(t *testing.T) {
	c := loadCompose(t)
	env := c.Services["worker"].Environment
	defaultPath := regexp.MustCompile(`\$\{CONNECTOR_SHOPS_FILE:-([^}]+)\}`).FindStringSubmatch(env["CONNECTOR_SHOPS_FILE"])
	if defaultPath == nil {
		t.Fatalf("CONNECTOR_SHOPS_FILE = %q has no default", env["CONNECTOR_SHOPS_FILE"])
	}
	local := filepath.Join(".", strings.TrimPrefix(defaultPath[1], "/config/"))
	lookup := func(name string) (string, bool) {
		v, ok := env[name]
		if !ok {
			return "", false
		}
		if m := regexp.MustCompile(`\$\{[A-Z_]+:-([^}]*)\}`).FindStringSubmatch(v); m != nil {
			return m[1], m[1] != ""
		}
		return v, v != ""
	}
	shops, err := config.LoadShops(local, lookup)
	if err != nil {
		t.Fatalf("%s does not load with the compose environment: %v", local, err)
	}
	for _, s := range shops.Shops {
		if !strings.Contains(s.Ecforce.BaseURL, "sandbox:18081") {
			t.Errorf("shop %s ecforce base_url %q does not point at the sandbox service", s.Code, s.Ecforce.BaseURL)
		}
	}
	example := func(name string) (string, bool) { return "example-secret", strings.HasPrefix(name, "SHOP_") }
	if _, err := config.LoadShops("shops.example.yaml", example); err != nil {
		t.Errorf("shops.example.yaml is not a valid shops file: %v", err)
	}
}

func flatten(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return nil
}
