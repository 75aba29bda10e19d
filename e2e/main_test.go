package e2e

import (
	"github.com/ecforce-logiless/connector/internal/pgtest"

	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/ecforce-logiless/connector/workflows"
)

// temporalClient talks to the dev server shared by every test in the package.
var temporalClient client.Client

// temporalAddress is the dev server's frontend host:port.
var temporalAddress string

// webUIURL is the address of that dev server's Web UI.
var webUIURL string

func TestMain(m *testing.M) {
	code := runWithDevServer(m)
	pgtest.Stop()
	os.Exit(code)
}

func runWithDevServer(m *testing.M) int {
	path, err := temporalCLIPath()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	attrs := temporal.NewSearchAttributes(
		workflows.ShopAttribute.ValueSet(""),
		workflows.OrderNumberAttribute.ValueSet(""),
		workflows.FlowAttribute.ValueSet(""),
		workflows.OutcomeAttribute.ValueSet(""),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	uiPort, err := freePort()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	webUIURL = "http://127.0.0.1:" + uiPort
	server, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath:     path,
		EnableUI:         true,
		UIPort:           uiPort,
		ClientOptions:    &client.Options{Logger: tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))},
		SearchAttributes: attrs,
		LogLevel:         "error",
		Stdout:           io.Discard,
		Stderr:           io.Discard,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: start the Temporal dev server:", err)
		return 1
	}
	defer func() { _ = server.Stop() }()
	temporalClient = server.Client()
	temporalAddress = server.FrontendHostPort()
	code := checkNoWritesOutsideTempDirs(m.Run)
	if scanCode := scanEveryHistory(); scanCode != 0 {
		return scanCode
	}
	return code
}

// scanEveryHistory checks, after the tests, that no history of the run
// holds the personal data of the sandboxes' orders.
func scanEveryHistory() int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	found, err := scanHistoriesForPersonalData(ctx, temporalClient)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: scan the histories for personal data:", err)
		return 1
	}
	if len(found) > 0 {
		fmt.Fprintf(os.Stderr, "e2e: FAIL: %d histories hold personal data of the sandboxes (keep names, addresses and phone numbers inside the activity that sends them):\n", len(found))
		for _, f := range found {
			fmt.Fprintln(os.Stderr, "  "+f)
		}
		return 1
	}
	return 0
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port), nil
}

// temporalCLIPath finds the Temporal CLI: $TEMPORAL_CLI, else bin/temporal
// at the repository root (built there by `make test`).
func temporalCLIPath() (string, error) {
	if p := os.Getenv("TEMPORAL_CLI"); p != "" {
		return p, nil
	}
	_, file, _, _ := runtime.Caller(0)
	p := filepath.Join(filepath.Dir(file), "..", "bin", "temporal")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("no Temporal CLI at %s: run `make test` (it builds bin/temporal) or set TEMPORAL_CLI", p)
	}
	return p, nil
}

// testContext is a context bounded so a stuck test fails instead of hanging.
func testContext(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
