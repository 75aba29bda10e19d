package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	tlog "go.temporal.io/sdk/log"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/temporal"

	"github.com/ecforce-logiless/connector/config"
	"github.com/ecforce-logiless/connector/payloadcodec"
	"github.com/ecforce-logiless/connector/workflows"
)

// session is what most commands need: settings and a Temporal client.
type session struct {
	proc   config.Process
	shops  *config.ShopsFile
	client client.Client
	// codec encrypts payloads (nil: CONNECTOR_PAYLOAD_KEYS_FILE is not
	// set).
	codec *payloadcodec.Codec
}

// dialTemporal connects to Temporal; tests replace it with a fake.
var dialTemporal = client.DialContext

// loadProcess reads the process settings and applies the global flags.
func loadProcess() (config.Process, error) {
	proc, err := config.LoadProcess()
	if err != nil {
		return proc, err
	}
	if flags.webUIURL != "" {
		proc.WebUIURL = strings.TrimRight(flags.webUIURL, "/")
		if err := proc.Validate(); err != nil {
			return proc, usageError{"--web-ui-url: " + oneLine(err.Error())}
		}
	}
	return proc, nil
}

// openSession connects to Temporal and, with needShops, loads the shops
// file. It reads no secret (the starter sends none: only logiless-auth
// needs one, and it loads the shops file itself), so an operator without
// the shops' secrets can use every command that opens a session.
func openSession(ctx context.Context, needShops bool) (*session, error) {
	s, err := loadSession(needShops)
	if err != nil {
		return nil, err
	}
	if err := s.dial(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// openShopSession opens a session for a command about one shop, checking
// that the shop is in the shops file before it connects.
func openShopSession(ctx context.Context, shopCode string) (*session, error) {
	s, err := loadSession(true)
	if err != nil {
		return nil, err
	}
	if _, err := s.shop(shopCode); err != nil {
		return nil, err
	}
	if err := s.dial(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

func loadSession(needShops bool) (*session, error) {
	proc, err := loadProcess()
	if err != nil {
		return nil, err
	}
	s := &session{proc: proc}
	if needShops {
		if s.shops, err = config.LoadShopSettings(proc.ShopsFile); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *session) dial(ctx context.Context) error {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	codec, err := payloadcodec.FromSettings(s.proc)
	if err != nil {
		return err
	}
	opts := client.Options{
		HostPort:  s.proc.TemporalAddress,
		Namespace: s.proc.TemporalNamespace,
		Logger:    tlog.NewStructuredLogger(quiet),
	}
	codec.Configure(&opts)
	c, err := dialTemporal(ctx, opts)
	if err != nil {
		return fmt.Errorf("connect to Temporal at %s: %w (is the server running? `make demo` starts one)", s.proc.TemporalAddress, err)
	}
	s.client, s.codec = c, codec
	return nil
}

// dataConverter decodes the payloads the session reads from histories and
// pending activities: the codec's when payloads are encrypted.
func (s *session) dataConverter() converter.DataConverter {
	if s.codec == nil {
		return converter.GetDefaultDataConverter()
	}
	return s.codec.DataConverter()
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
	return nil, usageError{fmt.Sprintf("shop %q is not in %s (its shops: %s)", code, s.proc.ShopsFile, strings.Join(s.shops.Codes(), ", "))}
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

// runStart describes a workflow a command starts.
type runStart struct {
	id          string
	flow        string
	shop        string
	orderNumber string // "" for per-shop runs
	// force allows a new run after a completed one; otherwise only after
	// a failed one.
	force    bool
	workflow any
	input    any
	// busy says what it means that the ID is taken, e.g. "order X of shop
	// S is being imported or was imported already".
	busy string
	// what names the run in a failure, e.g. "import of order X of shop S".
	what string
	// progress describes the running run while the starter waits (nil:
	// describeRun).
	progress progressFunc
}

// summary is the run's static summary in the Web UI, the one its flow's
// runs carry when a discovery or a schedule starts them.
func (r runStart) summary() string {
	return workflows.RunSummary(r.flow, r.shop, r.orderNumber)
}

// launch is a command that starts a run: it opens a session for r.shop,
// starts r (printing its ID and link) and, with wait, waits for it with
// progress on stderr, decodes its result into result, prints it with
// printResult and ends with the link to the run that closed.
func launch(cmd *cobra.Command, r runStart, wait bool, result any, printResult func(out io.Writer, s *session)) error {
	ctx, out := cmd.Context(), cmd.OutOrStdout()
	s, err := openShopSession(ctx, r.shop)
	if err != nil {
		return err
	}
	defer s.close()
	run, err := s.startRun(ctx, r, out)
	if err != nil || !wait {
		return err
	}
	runID, err := s.wait(ctx, cmd.ErrOrStderr(), waitSpec{run: run, what: r.what, progress: r.progress, result: result})
	if err != nil {
		return err
	}
	printResult(out, s)
	fmt.Fprintf(out, "run: %s\n", s.runLink(r.id, runID))
	return nil
}

// startRun starts r and prints its ID and Web UI link. A taken ID is an
// error that says so and links to the run that holds it: the workflow ID is
// the deduplication, so the starter never silently attaches to an old run.
func (s *session) startRun(ctx context.Context, r runStart, out io.Writer) (client.WorkflowRun, error) {
	reuse := enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY
	if r.force {
		reuse = enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE
	}
	attrs := []temporal.SearchAttributeUpdate{
		workflows.ShopAttribute.ValueSet(r.shop),
		workflows.FlowAttribute.ValueSet(r.flow),
	}
	if r.orderNumber != "" {
		attrs = append(attrs, workflows.OrderNumberAttribute.ValueSet(r.orderNumber))
	}
	run, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                                       r.id,
		TaskQueue:                                s.proc.TaskQueue,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		WorkflowIDReusePolicy:                    reuse,
		TypedSearchAttributes:                    temporal.NewSearchAttributes(attrs...),
		StaticSummary:                            r.summary(),
	}, r.workflow, r.input)
	if err != nil {
		var already *serviceerror.WorkflowExecutionAlreadyStarted
		if errors.As(err, &already) {
			return nil, fmt.Errorf("%s: %s", r.busy, s.runLink(r.id, already.RunId))
		}
		return nil, fmt.Errorf("start %s: %w", r.id, err)
	}
	fmt.Fprintf(out, "started %s\n  %s\n", r.id, s.runLink(r.id, run.GetRunID()))
	return run, nil
}
