package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/ecforce-logiless/connector/config"
)

// session is what most commands need: settings and a Temporal client.
type session struct {
	proc   config.Process
	shops  *config.ShopsFile
	client client.Client
}

func openSession(ctx context.Context, needShops bool) (*session, error) {
	proc, err := config.LoadProcess()
	if err != nil {
		return nil, err
	}
	s := &session{proc: proc}
	if needShops {
		if s.shops, err = config.LoadShops(proc.ShopsFile, lookupEnv); err != nil {
			return nil, err
		}
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	s.client, err = client.DialContext(ctx, client.Options{
		HostPort:  proc.TemporalAddress,
		Namespace: proc.TemporalNamespace,
		Logger:    tlog.NewStructuredLogger(quiet),
	})
	if err != nil {
		return nil, fmt.Errorf("connect to Temporal at %s: %w (is the server running? `make demo` starts one)", proc.TemporalAddress, err)
	}
	return s, nil
}

func (s *session) close() {
	if s.client != nil {
		s.client.Close()
	}
}

func (s *session) shop(code string) (*config.Shop, error) {
	if code == "" {
		return nil, usageError{"--shop is required"}
	}
	if shop, ok := s.shops.Shop(code); ok {
		return shop, nil
	}
	return nil, fmt.Errorf("shop %q is not in %s", code, s.proc.ShopsFile)
}

// runLink is the Web UI address of one workflow run; without a run ID, of
// the list of runs with that workflow ID.
func (s *session) runLink(workflowID, runID string) string {
	if runID == "" {
		return fmt.Sprintf("%s/namespaces/%s/workflows?query=%s", s.proc.WebUIURL,
			url.PathEscape(s.proc.TemporalNamespace), url.QueryEscape(fmt.Sprintf("WorkflowId=%q", workflowID)))
	}
	return fmt.Sprintf("%s/namespaces/%s/workflows/%s/%s/history", s.proc.WebUIURL,
		url.PathEscape(s.proc.TemporalNamespace), url.PathEscape(workflowID), url.PathEscape(runID))
}
