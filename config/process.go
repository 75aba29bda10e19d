package config

import (
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/kelseyhightower/envconfig"
)

// EnvPrefix starts the name of every process setting's environment variable.
//
// The full names are spelled out in the envconfig tags rather than passed to
// envconfig as a prefix: given a prefix, envconfig falls back to the bare name
// (LOG_LEVEL for CONNECTOR_LOG_LEVEL), which would let unrelated variables of
// other tools configure the connector.
const EnvPrefix = "CONNECTOR"

// Log levels and formats accepted in Process.
const (
	LogFormatText = "text"
	LogFormatJSON = "json"
)

var logLevels = map[string]slog.Level{
	"debug": slog.LevelDebug,
	"info":  slog.LevelInfo,
	"warn":  slog.LevelWarn,
	"error": slog.LevelError,
}

// Process holds the settings of one worker or starter process, read from
// CONNECTOR_* environment variables.
type Process struct {
	// TemporalAddress is the Temporal frontend, host:port.
	TemporalAddress string `envconfig:"CONNECTOR_TEMPORAL_ADDRESS" default:"127.0.0.1:7233" desc:"Temporal frontend host:port"`
	// TemporalNamespace is the Temporal namespace of every workflow.
	TemporalNamespace string `envconfig:"CONNECTOR_TEMPORAL_NAMESPACE" default:"default" desc:"Temporal namespace"`
	// TaskQueue is the task queue the worker polls.
	TaskQueue string `envconfig:"CONNECTOR_TASK_QUEUE" default:"ecforce-logiless" desc:"Temporal task queue"`
	// ShopsFile is the path of the YAML shops file (see LoadShops).
	ShopsFile string `envconfig:"CONNECTOR_SHOPS_FILE" default:"shops.yaml" desc:"path of the per-shop settings file"`
	// StateDir is where the worker keeps state that must outlive it, such as
	// API token files (LOGILESS refresh tokens rotate on every refresh).
	StateDir string `envconfig:"CONNECTOR_STATE_DIR" default:".state" desc:"directory for token files"`
	// StateDatabaseURL, when set, keeps the state that all workers must
	// share (LOGILESS tokens, the ecforce sign-in token, stock watermarks)
	// in this PostgreSQL database instead of under StateDir: needed as soon
	// as workers run on more than one machine. It may hold a password, so
	// it is never logged.
	StateDatabaseURL string `envconfig:"CONNECTOR_STATE_DATABASE_URL" desc:"postgres://user:password@host:port/db for the state shared by several workers; empty = files under CONNECTOR_STATE_DIR"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `envconfig:"CONNECTOR_LOG_LEVEL" default:"info" desc:"debug, info, warn or error"`
	// LogFormat is text or json.
	LogFormat string `envconfig:"CONNECTOR_LOG_FORMAT" default:"text" desc:"text or json"`
	// MetricsAddress is the host:port to serve metrics on; empty turns
	// metrics off.
	MetricsAddress string `envconfig:"CONNECTOR_METRICS_ADDRESS" desc:"host:port for metrics; empty = off"`
	// WebUIURL is the Temporal Web UI, used to print links to runs.
	WebUIURL string `envconfig:"CONNECTOR_WEB_UI_URL" default:"http://localhost:8233" desc:"Temporal Web UI base URL"`
	// PayloadKeysFile is the path of the key file that turns on the
	// encryption of workflow payloads (see package payloadcodec); empty
	// leaves payloads unencrypted. The keys themselves are only in the
	// file, never in the environment.
	PayloadKeysFile string `envconfig:"CONNECTOR_PAYLOAD_KEYS_FILE" desc:"path of the payload encryption key file; empty = off"`
	// WebhookAddress is the host:port to serve the ecforce webhook
	// receiver on (POST /hooks/ecforce/<shop>/<secret>); empty turns it
	// off.
	WebhookAddress string `envconfig:"CONNECTOR_WEBHOOK_ADDRESS" desc:"host:port for the ecforce webhook receiver; empty = off"`
	// HTTPTimeout bounds one request attempt to ecforce or LOGILESS (from
	// the moment the rate limiter grants it); 0 keeps the clients' 30 s.
	HTTPTimeout time.Duration `envconfig:"CONNECTOR_HTTP_TIMEOUT" default:"0s" desc:"timeout of one API request attempt; 0 = 30s"`
}

// LoadProcess reads the process settings from the environment, applies the
// defaults, normalises the log level and format to lower case and validates
// the result.
func LoadProcess() (Process, error) {
	var p Process
	if err := envconfig.Process("", &p); err != nil {
		return Process{}, fmt.Errorf("read %s_* environment variables: %w", EnvPrefix, err)
	}
	p.LogLevel = strings.ToLower(strings.TrimSpace(p.LogLevel))
	p.LogFormat = strings.ToLower(strings.TrimSpace(p.LogFormat))
	if err := p.Validate(); err != nil {
		return Process{}, err
	}
	return p, nil
}

// Validate reports every invalid process setting, naming its environment
// variable.
func (p Process) Validate() error {
	var probs problems
	checkHostPort(&probs, "CONNECTOR_TEMPORAL_ADDRESS", p.TemporalAddress, false)
	if strings.TrimSpace(p.TemporalNamespace) == "" {
		probs.add("CONNECTOR_TEMPORAL_NAMESPACE: must not be empty")
	}
	if strings.TrimSpace(p.TaskQueue) == "" {
		probs.add("CONNECTOR_TASK_QUEUE: must not be empty")
	}
	if strings.TrimSpace(p.ShopsFile) == "" {
		probs.add("CONNECTOR_SHOPS_FILE: must not be empty")
	}
	if strings.TrimSpace(p.StateDir) == "" {
		probs.add("CONNECTOR_STATE_DIR: must not be empty")
	}
	if msg := checkDatabaseURL(p.StateDatabaseURL); msg != "" {
		probs.add("CONNECTOR_STATE_DATABASE_URL: %s", msg)
	}
	if _, ok := logLevels[strings.ToLower(p.LogLevel)]; !ok {
		probs.add("CONNECTOR_LOG_LEVEL: %q is not one of debug, info, warn, error", p.LogLevel)
	}
	switch strings.ToLower(p.LogFormat) {
	case LogFormatText, LogFormatJSON:
	default:
		probs.add("CONNECTOR_LOG_FORMAT: %q is not one of text, json", p.LogFormat)
	}
	checkHostPort(&probs, "CONNECTOR_METRICS_ADDRESS", p.MetricsAddress, true)
	if msg := checkHTTPURL(p.WebUIURL); msg != "" {
		probs.add("CONNECTOR_WEB_UI_URL: %s", msg)
	}
	if p.PayloadKeysFile != "" && strings.TrimSpace(p.PayloadKeysFile) != p.PayloadKeysFile {
		probs.add("CONNECTOR_PAYLOAD_KEYS_FILE: %q has white space around the path", p.PayloadKeysFile)
	}
	checkHostPort(&probs, "CONNECTOR_WEBHOOK_ADDRESS", p.WebhookAddress, true)
	return probs.err("environment")
}

// checkDatabaseURL reports what is wrong with an optional PostgreSQL URL,
// without quoting it (it may hold a password).
func checkDatabaseURL(v string) string {
	if v == "" {
		return ""
	}
	u, err := url.Parse(v)
	switch {
	case err != nil:
		return "is not a URL (postgres://user:password@host:port/database)"
	case u.Scheme != "postgres" && u.Scheme != "postgresql":
		return "must start with postgres:// (postgres://user:password@host:port/database)"
	case u.Host == "" && u.Query().Get("host") == "":
		return "names no host (postgres://user:password@host:port/database)"
	}
	return ""
}

// SlogLevel returns LogLevel as a slog.Level (info if it is not valid).
func (p Process) SlogLevel() slog.Level {
	if l, ok := logLevels[strings.ToLower(p.LogLevel)]; ok {
		return l
	}
	return slog.LevelInfo
}

// checkHostPort reports v if it is not host:port with a numeric port; an
// empty host (":9090") means every interface.
func checkHostPort(probs *problems, name, v string, optional bool) {
	if v == "" {
		if !optional {
			probs.add("%s: must not be empty (host:port)", name)
		}
		return
	}
	_, port, err := net.SplitHostPort(v)
	if err != nil || !isPort(port) {
		probs.add("%s: %q is not host:port", name, v)
	}
}

func isPort(s string) bool {
	if s == "" || len(s) > 5 {
		return false
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return n <= 65535
}
