package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	failurepb "go.temporal.io/api/failure/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/ecforce-logiless/connector/payloadcodec"
	"github.com/ecforce-logiless/connector/workflows"
)

// writeKeyFile writes a payload key file with one random key per id, the
// first one current, and returns its path and the codec it gives.
func writeKeyFile(t *testing.T, path string, keys map[string][]byte, ids ...string) *payloadcodec.Codec {
	t.Helper()
	var b strings.Builder
	b.WriteString("# e2e payload keys; the first encrypts\n")
	for _, id := range ids {
		b.WriteString(id + " " + base64.StdEncoding.EncodeToString(keys[id]) + "\n")
	}
	writeFile(t, path, b.String())
	c, err := payloadcodec.LoadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// rawPayloads walks a history as the server stores it and returns every
// payload (but the search attributes', which are indexed in plain text by
// design) and every failure message.
func rawPayloads(h *historypb.History) (payloads []*commonpb.Payload, failureMessages []string) {
	var visit func(m protoreflect.Message)
	visit = func(m protoreflect.Message) {
		switch v := m.Interface().(type) {
		case *commonpb.SearchAttributes:
			return
		case *commonpb.Payload:
			payloads = append(payloads, v)
			return
		case *failurepb.Failure:
			failureMessages = append(failureMessages, v.GetMessage())
		}
		m.Range(func(fd protoreflect.FieldDescriptor, val protoreflect.Value) bool {
			switch {
			case fd.IsMap():
				if fd.MapValue().Message() != nil {
					val.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool { visit(mv.Message()); return true })
				}
			case fd.IsList():
				if fd.Message() != nil {
					for i := 0; i < val.List().Len(); i++ {
						visit(val.List().Get(i).Message())
					}
				}
			case fd.Message() != nil:
				visit(val.Message())
			}
			return true
		})
	}
	for _, ev := range h.GetEvents() {
		visit(ev.ProtoReflect())
	}
	return payloads, failureMessages
}

// assertEncrypted checks that every payload of the raw history of a run is
// encrypted with keyID and that neither a payload nor a failure message
// shows any of plain.
func assertEncrypted(t *testing.T, name string, h *historypb.History, keyID string, plain ...string) {
	t.Helper()
	payloads, failures := rawPayloads(h)
	if len(payloads) < 2 {
		t.Fatalf("%s: only %d payloads in %d events; the walk found nothing to check", name, len(payloads), len(h.GetEvents()))
	}
	for i, p := range payloads {
		md := p.GetMetadata()
		if string(md[converter.MetadataEncoding]) != payloadcodec.Encoding || string(md[payloadcodec.MetadataKeyID]) != keyID {
			t.Errorf("%s: payload %d has encoding %q, key %q; want %s with key %s", name, i, md[converter.MetadataEncoding], md[payloadcodec.MetadataKeyID], payloadcodec.Encoding, keyID)
		}
		for _, s := range plain {
			if bytes.Contains(p.GetData(), []byte(s)) {
				t.Errorf("%s: payload %d shows %q in plain text", name, i, s)
			}
		}
	}
	for _, m := range failures {
		for _, s := range plain {
			if strings.Contains(m, s) {
				t.Errorf("%s: failure message %q shows %q", name, m, s)
			}
		}
	}
}

// TestPayloadsEncryptedEndToEnd runs imports with a worker that encrypts
// (CONNECTOR_PAYLOAD_KEYS_FILE): the histories as the server stores them
// hold only encrypted payloads and failure messages, a client with the
// keys reads the results, a client without cannot; after a key rotation
// new runs use the new key while old runs still read, and `starter
// codec-server` decodes both for the Web UI.
func TestPayloadsEncryptedEndToEnd(t *testing.T) {
	ctx := testContext(t, 4*time.Minute)
	keyDir := t.TempDir()
	keys := map[string][]byte{"e2e-1": randomKey(t), "e2e-2": randomKey(t)}
	keyFile := filepath.Join(keyDir, "payload-keys")
	first := writeKeyFile(t, keyFile, keys, "e2e-1")
	s := newStack(t, stackOptions{codec: first})
	o := seedImportScenario(t, s)

	res := s.discover(ctx)
	if len(res.Started) != 4 {
		t.Fatalf("discovery = %+v; want 4 imports started", res)
	}
	if got := len(s.sb.Logiless.SalesOrders()); got != 3 {
		t.Fatalf("LOGILESS holds %d sales orders, want 3", got)
	}
	secretText := []string{s.shop, o.multiLine.Number, o.unmapped.Number, "TS-WHT-M", "GIFT-WRAP", "Tシャツ", "置き配希望", "マグカップ"}
	multiID := workflows.ImportOrderID(s.shop, o.multiLine.Number)
	unmappedID := workflows.ImportOrderID(s.shop, o.unmapped.Number)
	for name, id := range map[string]string{"discovery": workflows.ImportOrdersID(s.shop), "import": multiID, "failed import": unmappedID} {
		assertEncrypted(t, name, fetchHistory(ctx, t, id), "e2e-1", secretText...)
	}

	// A client with the keys reads the result and the failure; one
	// without sees only that the payload is encrypted.
	var imported workflows.ImportOrderResult
	multiRun := s.temporal().GetWorkflow(ctx, multiID, "")
	if err := multiRun.Get(ctx, &imported); err != nil || imported.Outcome != workflows.OutcomeImported || imported.OrderNumber != o.multiLine.Number {
		t.Fatalf("result read with the codec = %+v, %v", imported, err)
	}
	firstRunID := multiRun.GetRunID()
	err := runErrorVia(ctx, t, s.temporal(), s.codec.FailureConverter(), unmappedID) // blocked on the unmapped SKU
	if err == nil || !strings.Contains(err.Error(), "GIFT-WRAP") {
		t.Errorf("failure read with the codec = %v; want the message naming the SKU", err)
	}
	var unreadable workflows.ImportOrderResult
	if err := temporalClient.GetWorkflow(ctx, multiID, "").Get(ctx, &unreadable); err == nil || unreadable.Outcome != "" {
		t.Errorf("a client without the keys read the result: %+v, %v", unreadable, err)
	}

	// Rotation: the new key first, the old one kept. The worker and the
	// starter restart with the new file.
	rotated := writeKeyFile(t, keyFile, keys, "e2e-2", "e2e-1")
	s.stopWorker()
	s.codec = rotated
	s.startWorker()
	t.Setenv("CONNECTOR_PAYLOAD_KEYS_FILE", keyFile)
	bin := buildStarter(ctx, t)
	out := runStarterBinary(ctx, t, s, bin, "import-order", "--shop", s.shop, "--order", o.multiLine.Number, "--force", "--wait")
	if !strings.Contains(out, "already-in-logiless") {
		t.Fatalf("starter import-order with the rotated keys:\n%s", out)
	}
	assertEncrypted(t, "import after rotation", fetchHistory(ctx, t, multiID), "e2e-2", secretText...)
	var old workflows.ImportOrderResult
	if err := s.temporal().GetWorkflow(ctx, multiID, firstRunID).Get(ctx, &old); err != nil || old.Outcome != workflows.OutcomeImported {
		t.Errorf("run of the old key read after rotation = %+v, %v", old, err)
	}
	oldOnly, err := client.NewClientFromExisting(temporalClient, client.Options{DataConverter: first.DataConverter(), FailureConverter: first.FailureConverter()})
	if err != nil {
		t.Fatal(err)
	}
	defer oldOnly.Close()
	err = oldOnly.GetWorkflow(ctx, multiID, "").Get(ctx, &old)
	if !errors.Is(err, payloadcodec.ErrUnknownKey) && (err == nil || !strings.Contains(err.Error(), `unknown payload key "e2e-2"`)) {
		t.Errorf("a process without the new key: %v; want the unknown key named", err)
	}

	// The codec server decodes raw payloads of both keys, as the Web UI
	// asks it to.
	endpoint := startCodecServer(ctx, t, bin)
	remote := converter.NewRemotePayloadCodec(converter.RemotePayloadCodecOptions{Endpoint: endpoint})
	for name, h := range map[string]*historypb.History{"old run": runHistory(ctx, t, multiID, firstRunID), "new run": fetchHistory(ctx, t, multiID)} {
		payloads, _ := rawPayloads(h)
		decoded, err := remote.Decode(payloads)
		if err != nil {
			t.Fatalf("codec server, %s: %v", name, err)
		}
		var all strings.Builder
		for _, p := range decoded {
			all.Write(p.GetData())
		}
		if !strings.Contains(all.String(), o.multiLine.Number) {
			t.Errorf("codec server, %s: decoded payloads lack the order number", name)
		}
	}
}

func randomKey(t *testing.T) []byte {
	t.Helper()
	k := make([]byte, payloadcodec.KeySize)
	if _, err := io.ReadFull(rand.Reader, k); err != nil {
		t.Fatal(err)
	}
	return k
}

// buildStarter builds the starter binary for one test.
func buildStarter(ctx context.Context, t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "starter")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "../starter").CombinedOutput(); err != nil {
		t.Fatalf("build starter: %v\n%s", err, out)
	}
	return bin
}

// runStarterBinary runs a built starter against the stack and returns its
// output; it fails the test on a non-zero exit.
func runStarterBinary(ctx context.Context, t *testing.T, s *stack, bin string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = starterEnv(s)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("starter %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func starterEnv(s *stack) []string {
	return append(os.Environ(),
		"CONNECTOR_TEMPORAL_ADDRESS="+temporalAddress,
		"CONNECTOR_TASK_QUEUE="+s.taskQueue,
		"CONNECTOR_SHOPS_FILE="+filepath.Join(s.dir, "shops.yaml"),
		"CONNECTOR_STATE_DIR="+filepath.Join(s.dir, "state"),
		"CONNECTOR_WEB_UI_URL=http://ui.example",
	)
}

// startCodecServer runs `starter codec-server` on a free port until the
// test ends and returns its endpoint.
func startCodecServer(ctx context.Context, t *testing.T, bin string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin, "codec-server", "--listen", "127.0.0.1:0", "--web-ui-origin", webUIURL)
	cmd.Env = os.Environ()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start codec-server: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	re := regexp.MustCompile(`listening on (http://\S+) `)
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		if m := re.FindStringSubmatch(lines.Text()); m != nil {
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			return m[1]
		}
	}
	t.Fatalf("codec-server printed no endpoint: %v", lines.Err())
	return ""
}
