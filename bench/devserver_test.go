package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/ecforce-logiless/connector/sandbox"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/httpfake"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
	"github.com/ecforce-logiless/connector/workflows"
)

var (
	devServerOnce sync.Once
	devServerRun  *testsuite.DevServer
	devServerErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	PrintFigures(os.Stdout)
	if devServerRun != nil {
		_ = devServerRun.Stop()
	}
	os.Exit(code)
}

// devServer starts, once for all benchmarks, a dev server (the pinned CLI
// in bin/) with the connector's search attributes registered.
func devServer(b *testing.B) client.Client {
	b.Helper()
	devServerOnce.Do(func() {
		path := filepath.Join("..", "bin", "temporal")
		if _, err := os.Stat(path); err != nil {
			devServerErr = fmt.Errorf("no Temporal CLI at %s: run `make bench`", path)
			return
		}
		devServerRun, devServerErr = testsuite.StartDevServer(context.Background(), testsuite.DevServerOptions{
			ExistingPath: path, LogLevel: "error", Stdout: io.Discard, Stderr: io.Discard,
			ClientOptions: &client.Options{Logger: tlog.NewStructuredLogger(slog.New(slog.DiscardHandler))},
			SearchAttributes: temporal.NewSearchAttributes(
				workflows.ShopAttribute.ValueSet(""), workflows.OrderNumberAttribute.ValueSet(""),
				workflows.FlowAttribute.ValueSet(""), workflows.OutcomeAttribute.ValueSet(""),
			),
		})
	})
	if devServerErr != nil {
		b.Fatal(devServerErr)
	}
	return devServerRun.Client()
}

// strictSandbox starts the sandbox with its strict limits (burst 1,
// X-RateLimit-* on every LOGILESS answer, 429s without Retry-After) at
// llRPS for LOGILESS and ecRPS for ecforce (0: no ecforce limit), closed
// when the benchmark ends.
func strictSandbox(ctx context.Context, b *testing.B, llRPS, ecRPS float64) *sandbox.Servers {
	b.Helper()
	quiet := slog.New(slog.DiscardHandler)
	sb, err := sandbox.Start(ctx, sandbox.StartConfig{
		Ecforce:  ecforceapi.Config{RateLimit: httpfake.RateLimit{RPS: ecRPS}, Logger: quiet},
		Logiless: logilessapi.Config{RateLimit: httpfake.RateLimit{RPS: llRPS}, Logger: quiet},
		Logger:   quiet,
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(sb.Close)
	return sb
}
