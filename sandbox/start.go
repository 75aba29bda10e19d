package sandbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
)

// StartConfig configures Start.
type StartConfig struct {
	// EcforceAddr and LogilessAddr are TCP listen addresses; empty means
	// "127.0.0.1:0" (a free port). The demo binary defaults to
	// 127.0.0.1:18081 and 127.0.0.1:18082.
	EcforceAddr  string
	LogilessAddr string
	Ecforce      ecforceapi.Config
	Logiless     logilessapi.Config
	// Logger receives server-level errors (default slog.Default()); it is
	// also the default request logger of both fakes.
	Logger *slog.Logger
}

// Servers are the two running fakes.
type Servers struct {
	Ecforce  *ecforceapi.Server
	Logiless *logilessapi.Server
	// EcforceURL and LogilessURL are origins such as "http://127.0.0.1:18081"
	// (no trailing slash). The ecforce API lives under EcforceURL+"/api/v2",
	// LOGILESS under LogilessURL+"/api/v1/merchant/{id}", OAuth under
	// LogilessURL+"/oauth/v2/auth" and LogilessURL+"/oauth2/token".
	EcforceURL  string
	LogilessURL string

	servers   []*http.Server
	closeOnce sync.Once
}

// Start listens on both addresses and serves the fakes until ctx is done
// or Close is called.
func Start(ctx context.Context, cfg StartConfig) (*Servers, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	if cfg.Ecforce.Logger == nil {
		cfg.Ecforce.Logger = logger
	}
	if cfg.Logiless.Logger == nil {
		cfg.Logiless.Logger = logger
	}
	s := &Servers{Ecforce: ecforceapi.New(cfg.Ecforce), Logiless: logilessapi.New(cfg.Logiless)}
	for _, srv := range []struct {
		name, addr string
		h          http.Handler
		url        *string
	}{
		{"ecforce", cfg.EcforceAddr, s.Ecforce, &s.EcforceURL},
		{"logiless", cfg.LogilessAddr, s.Logiless, &s.LogilessURL},
	} {
		addr := srv.addr
		if addr == "" {
			addr = "127.0.0.1:0"
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("sandbox: listen for %s on %s: %w", srv.name, addr, err)
		}
		hs := &http.Server{
			Handler:           srv.h,
			ReadHeaderTimeout: 10 * time.Second,
			ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelDebug),
		}
		s.servers = append(s.servers, hs)
		*srv.url = "http://" + ln.Addr().String()
		go func() {
			if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				logger.Error("sandbox server stopped", "server", srv.name, "err", err)
			}
		}()
	}
	go func() {
		<-ctx.Done()
		s.Close()
	}()
	return s, nil
}

// LogilessMerchantURL returns the base of the merchant API, e.g.
// "http://127.0.0.1:18082/api/v1/merchant/1022".
func (s *Servers) LogilessMerchantURL() string {
	return s.LogilessURL + "/api/v1/merchant/" + strconv.Itoa(s.Logiless.MerchantID())
}

// Close shuts both servers down (waiting up to 2 s for in-flight requests).
// It is safe to call more than once.
func (s *Servers) Close() {
	s.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		for _, hs := range s.servers {
			if err := hs.Shutdown(ctx); err != nil {
				_ = hs.Close()
			}
		}
	})
}
