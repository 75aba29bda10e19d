package config

import (
	"errors"
	"log/slog"
	"os"
	"reflect"
	"strings"
	"testing"
)

var processVars = []string{
	"CONNECTOR_TEMPORAL_ADDRESS", "CONNECTOR_TEMPORAL_NAMESPACE", "CONNECTOR_TASK_QUEUE",
	"CONNECTOR_SHOPS_FILE", "CONNECTOR_STATE_DIR", "CONNECTOR_LOG_LEVEL", "CONNECTOR_LOG_FORMAT",
	"CONNECTOR_METRICS_ADDRESS", "CONNECTOR_WEB_UI_URL", "CONNECTOR_PAYLOAD_KEYS_FILE", "CONNECTOR_STATE_DATABASE_URL",
	"CONNECTOR_WEBHOOK_ADDRESS",
	// Bare names envconfig would fall back to if given a prefix.
	"TEMPORAL_ADDRESS", "LOG_LEVEL", "LOG_FORMAT",
}

// setEnv clears every process variable for the test, then sets vars.
func setEnv(t *testing.T, vars map[string]string) {
	t.Helper()
	for _, k := range processVars {
		t.Setenv(k, "") // restores the original value after the test
		os.Unsetenv(k)
	}
	for k, v := range vars {
		t.Setenv(k, v)
	}
}

func TestLoadProcessDefaults(t *testing.T) {
	setEnv(t, map[string]string{"LOG_LEVEL": "bogus", "TEMPORAL_ADDRESS": "elsewhere:1"})
	p, err := LoadProcess()
	if err != nil {
		t.Fatalf("LoadProcess: %v", err)
	}
	want := Process{
		TemporalAddress:   "127.0.0.1:7233",
		TemporalNamespace: "default",
		TaskQueue:         "ecforce-logiless",
		ShopsFile:         "shops.yaml",
		StateDir:          ".state",
		LogLevel:          "info",
		LogFormat:         "text",
		MetricsAddress:    "",
		WebUIURL:          "http://localhost:8233",
	}
	if p != want {
		t.Errorf("LoadProcess() =\n%+v\nwant\n%+v", p, want)
	}
}

func TestLoadProcessOverrides(t *testing.T) {
	setEnv(t, map[string]string{
		"CONNECTOR_TEMPORAL_ADDRESS":   "temporal:7233",
		"CONNECTOR_TEMPORAL_NAMESPACE": "shops",
		"CONNECTOR_TASK_QUEUE":         "q",
		"CONNECTOR_SHOPS_FILE":         "/etc/connector/shops.yaml",
		"CONNECTOR_STATE_DIR":          "/var/lib/connector",
		"CONNECTOR_LOG_LEVEL":          " DEBUG ",
		"CONNECTOR_LOG_FORMAT":         "JSON",
		"CONNECTOR_METRICS_ADDRESS":    ":9090",
		"CONNECTOR_WEB_UI_URL":         "https://temporal.example.com",
		"CONNECTOR_PAYLOAD_KEYS_FILE":  "/run/secrets/payload-keys",
		"CONNECTOR_WEBHOOK_ADDRESS":    ":8088",
	})
	p, err := LoadProcess()
	if err != nil {
		t.Fatalf("LoadProcess: %v", err)
	}
	want := Process{"temporal:7233", "shops", "q", "/etc/connector/shops.yaml", "/var/lib/connector", "", "debug", "json", ":9090", "https://temporal.example.com", "/run/secrets/payload-keys", ":8088", 0}
	if p != want {
		t.Errorf("LoadProcess() =\n%+v\nwant\n%+v", p, want)
	}
	if p.SlogLevel() != slog.LevelDebug {
		t.Errorf("SlogLevel = %v", p.SlogLevel())
	}
}

func TestLoadProcessReportsEveryProblem(t *testing.T) {
	setEnv(t, map[string]string{
		"CONNECTOR_TEMPORAL_ADDRESS":   "localhost",
		"CONNECTOR_TEMPORAL_NAMESPACE": "",
		"CONNECTOR_TASK_QUEUE":         " ",
		"CONNECTOR_SHOPS_FILE":         "",
		"CONNECTOR_STATE_DIR":          "",
		"CONNECTOR_LOG_LEVEL":          "verbose",
		"CONNECTOR_LOG_FORMAT":         "xml",
		"CONNECTOR_METRICS_ADDRESS":    "9090",
		"CONNECTOR_WEB_UI_URL":         "localhost:8233",
		"CONNECTOR_PAYLOAD_KEYS_FILE":  " keys ",
		"CONNECTOR_WEBHOOK_ADDRESS":    "8088",
	})
	_, err := LoadProcess()
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("LoadProcess = %v; want a *ValidationError", err)
	}
	want := []string{
		`CONNECTOR_TEMPORAL_ADDRESS: "localhost" is not host:port`,
		"CONNECTOR_TEMPORAL_NAMESPACE: must not be empty",
		"CONNECTOR_TASK_QUEUE: must not be empty",
		"CONNECTOR_SHOPS_FILE: must not be empty",
		"CONNECTOR_STATE_DIR: must not be empty",
		`CONNECTOR_LOG_LEVEL: "verbose" is not one of debug, info, warn, error`,
		`CONNECTOR_LOG_FORMAT: "xml" is not one of text, json`,
		`CONNECTOR_METRICS_ADDRESS: "9090" is not host:port`,
		`CONNECTOR_WEB_UI_URL: "localhost:8233" is not an http(s) URL (write the scheme too, e.g. https://localhost:8233)`,
		`CONNECTOR_PAYLOAD_KEYS_FILE: " keys " has white space around the path`,
		`CONNECTOR_WEBHOOK_ADDRESS: "8088" is not host:port`,
	}
	if !reflect.DeepEqual(verr.Problems, want) {
		t.Errorf("problems:\n got %q\nwant %q", verr.Problems, want)
	}
	if verr.Source != "environment" {
		t.Errorf("Source = %q", verr.Source)
	}
}

func TestProcessValidate(t *testing.T) {
	valid := Process{"h:1", "n", "q", "s.yaml", ".state", "", "warn", "text", "", "http://x", "", "", 0}
	tests := []struct {
		name    string
		edit    func(*Process)
		wantErr string
	}{
		{"valid", func(*Process) {}, ""},
		{"metrics on all interfaces", func(p *Process) { p.MetricsAddress = ":9090" }, ""},
		{"upper-case level accepted by Validate", func(p *Process) { p.LogLevel = "ERROR" }, ""},
		{"bad port", func(p *Process) { p.TemporalAddress = "h:70000" }, `environment: CONNECTOR_TEMPORAL_ADDRESS: "h:70000" is not host:port`},
		{"empty address", func(p *Process) { p.TemporalAddress = "" }, `environment: CONNECTOR_TEMPORAL_ADDRESS: must not be empty (host:port)`},
		{"payload keys file", func(p *Process) { p.PayloadKeysFile = "/run/secrets/payload-keys" }, ""},
		{"web UI with credentials", func(p *Process) { p.WebUIURL = "https://u:pw@x" }, `environment: CONNECTOR_WEB_UI_URL: must not contain a user name or password (put secrets in {env: NAME} or {file: PATH} settings)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := valid
			tt.edit(&p)
			err := p.Validate()
			if got := errString(err); got != tt.wantErr {
				t.Errorf("Validate() = %q, want %q", got, tt.wantErr)
			}
		})
	}
}

func TestSlogLevel(t *testing.T) {
	for in, want := range map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError, "bad": slog.LevelInfo} {
		if got := (Process{LogLevel: in}).SlogLevel(); got != want {
			t.Errorf("SlogLevel(%q) = %v, want %v", in, got, want)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestStateDatabaseURL(t *testing.T) {
	for _, tt := range []struct {
		url string
		ok  bool
	}{
		{"", true},
		{"postgres://connector:pw@db:5432/connector", true},
		{"postgresql://db/connector?sslmode=disable", true},
		{"mysql://db/connector", false},
		{"db:5432", false},
		{"postgres:///connector", false},
	} {
		setEnv(t, map[string]string{"CONNECTOR_STATE_DATABASE_URL": tt.url})
		p, err := LoadProcess()
		if (err == nil) != tt.ok {
			t.Errorf("%q: err = %v, want ok=%v", tt.url, err, tt.ok)
		}
		if err == nil && p.StateDatabaseURL != tt.url {
			t.Errorf("%q: StateDatabaseURL = %q", tt.url, p.StateDatabaseURL)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("the error quotes the URL: %v", err)
		}
	}
}
