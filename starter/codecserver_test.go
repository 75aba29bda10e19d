package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"

	"github.com/ecforce-logiless/connector/activities"
	"github.com/ecforce-logiless/connector/internal/logbuffer"
	"github.com/ecforce-logiless/connector/payloadcodec"
	"github.com/ecforce-logiless/connector/stocksync"
	"github.com/ecforce-logiless/connector/workflows"
)

func testKeyLine(id string, b byte) string {
	return id + " " + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{b}, payloadcodec.KeySize)) + "\n"
}

func testPayloadCodec(t *testing.T, lines ...string) *payloadcodec.Codec {
	t.Helper()
	keys, err := payloadcodec.ParseKeys(strings.Join(lines, ""))
	if err != nil {
		t.Fatal(err)
	}
	c, err := payloadcodec.New(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCodecServerHandler(t *testing.T) {
	codec := testPayloadCodec(t, testKeyLine("k2", 2), testKeyLine("k1", 1))
	srv := httptest.NewServer(codecServerHandler(codec, []string{"http://localhost:8233"}, "tok-123"))
	defer srv.Close()
	auth := func(r *http.Request) error { r.Header.Set("Authorization", "Bearer tok-123"); return nil }
	remote := converter.NewRemotePayloadCodec(converter.RemotePayloadCodecOptions{Endpoint: srv.URL, ModifyRequest: auth})

	plain, _ := converter.GetDefaultDataConverter().ToPayload("order EC1 of shop demo")
	enc, err := remote.Encode([]*commonpb.Payload{plain})
	if err != nil {
		t.Fatalf("remote encode: %v", err)
	}
	if string(enc[0].GetMetadata()["encryption-key-id"]) != "k2" || bytes.Contains(enc[0].GetData(), []byte("EC1")) {
		t.Errorf("encoded payload = %v", enc[0])
	}
	dec, err := remote.Decode(enc)
	if err != nil || string(dec[0].GetData()) != string(plain.GetData()) {
		t.Fatalf("remote decode = %v, %v", dec, err)
	}
	// A payload of an older key listed below decodes; an unknown key says
	// which.
	old, _ := testPayloadCodec(t, testKeyLine("k1", 1)).Encode([]*commonpb.Payload{plain})
	if _, err := remote.Decode(old); err != nil {
		t.Errorf("payload of k1: %v", err)
	}
	gone, _ := testPayloadCodec(t, testKeyLine("k0", 9)).Encode([]*commonpb.Payload{plain})
	if _, err := remote.Decode(gone); err == nil || !strings.Contains(err.Error(), `unknown payload key "k0" (known: k2, k1)`) {
		t.Errorf("payload of an unknown key: %v", err)
	}

	body := `{"payloads":[]}`
	send := func(method, path, origin, authz string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if authz != "" {
			req.Header.Set("Authorization", authz)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	for _, tt := range []struct {
		name, method, path, origin, authz string
		status                            int
		cors                              bool
	}{
		{"Web UI decode", "POST", "/decode", "http://localhost:8233", "Bearer tok-123", 200, true},
		{"namespace path prefix", "POST", "/default/decode", "http://localhost:8233", "Bearer tok-123", 200, true},
		{"preflight without credentials", "OPTIONS", "/decode", "http://localhost:8233", "", 204, true},
		{"CLI without origin", "POST", "/encode", "", "Bearer tok-123", 200, false},
		{"other origin", "POST", "/decode", "https://evil.example", "Bearer tok-123", 403, false},
		{"other origin preflight", "OPTIONS", "/decode", "https://evil.example", "", 403, false},
		{"no token", "POST", "/decode", "http://localhost:8233", "", 401, true},
		{"wrong token", "POST", "/decode", "", "Bearer tok-12", 401, false},
		{"basic auth", "POST", "/decode", "", "Basic tok-123", 401, false},
		{"GET", "GET", "/decode", "", "Bearer tok-123", 404, false},
		{"other path", "POST", "/secrets", "", "Bearer tok-123", 404, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := send(tt.method, tt.path, tt.origin, tt.authz)
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.status)
			}
			got := resp.Header.Get("Access-Control-Allow-Origin")
			if tt.cors && (got != tt.origin || resp.Header.Get("Access-Control-Allow-Credentials") != "true" ||
				!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "X-Namespace")) {
				t.Errorf("CORS headers = %v", resp.Header)
			}
			if !tt.cors && got != "" {
				t.Errorf("Access-Control-Allow-Origin = %q for a request that must not get it", got)
			}
		})
	}

	// Without a token file no Authorization header is needed.
	open := httptest.NewServer(codecServerHandler(codec, []string{"http://localhost:8233"}, ""))
	defer open.Close()
	if _, err := converter.NewRemotePayloadCodec(converter.RemotePayloadCodecOptions{Endpoint: open.URL}).Decode(enc); err != nil {
		t.Errorf("codec server without a token: %v", err)
	}
}

// The command serves until interrupted, with the keys of
// CONNECTOR_PAYLOAD_KEYS_FILE and the token of --auth-token-file.
func TestCodecServerCommand(t *testing.T) {
	dir := setupSettings(t)
	keys := filepath.Join(dir, "payload-keys")
	writeTestFile(t, keys, "# current first\n"+testKeyLine("2026-12", 2)+testKeyLine("2026-06", 1))
	writeTestFile(t, filepath.Join(dir, "token"), "tok-456\n")
	t.Setenv("CONNECTOR_PAYLOAD_KEYS_FILE", keys)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, errOut logbuffer.Buffer
	done := make(chan int)
	go func() {
		done <- execute(ctx, []string{"codec-server", "--listen", "127.0.0.1:0", "--web-ui-origin", "http://ui.test:8080/",
			"--auth-token-file", filepath.Join(dir, "token")}, &out, &errOut)
	}()
	endpointRE := regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+) \(encrypts with key 2026-12; decrypts 2026-12, 2026-06\)`)
	var endpoint string
	for endpoint == "" {
		select {
		case code := <-done:
			t.Fatalf("codec-server ended with %d: %s%s", code, out.String(), errOut.String())
		case <-time.After(20 * time.Millisecond):
		}
		if m := endpointRE.FindStringSubmatch(out.String()); m != nil {
			endpoint = m[1]
		}
	}
	if !strings.Contains(out.String(), "browser origins: http://ui.test:8080") || strings.Contains(out.String(), "tok-456") {
		t.Errorf("banner:\n%s", out.String())
	}
	remote := converter.NewRemotePayloadCodec(converter.RemotePayloadCodecOptions{Endpoint: endpoint,
		ModifyRequest: func(r *http.Request) error { r.Header.Set("Authorization", "Bearer tok-456"); return nil }})
	old, _ := testPayloadCodec(t, testKeyLine("2026-06", 1)).Encode([]*commonpb.Payload{{Data: []byte("x")}})
	if dec, err := remote.Decode(old); err != nil || string(dec[0].GetData()) != "x" {
		t.Errorf("decode through the command: %v, %v", dec, err)
	}
	cancel()
	if code := <-done; code != exitOK || !strings.Contains(out.String(), "codec server stopped") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
}

func TestCodecServerRefuses(t *testing.T) {
	dir := setupSettings(t)
	code, _, errOut := runStarter(t, "codec-server", "--listen", "127.0.0.1:0")
	if code != exitFailed || !strings.Contains(errOut, "codec-server needs the payload keys: set CONNECTOR_PAYLOAD_KEYS_FILE") {
		t.Errorf("without keys: exit %d, stderr %q", code, errOut)
	}
	t.Setenv("CONNECTOR_PAYLOAD_KEYS_FILE", filepath.Join(dir, "no-such-keys"))
	code, _, errOut = runStarter(t, "codec-server", "--listen", "127.0.0.1:0")
	if code != exitFailed || !strings.Contains(errOut, "CONNECTOR_PAYLOAD_KEYS_FILE: payload key file: ") {
		t.Errorf("missing key file: exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = runStarter(t, "codec-server", "--web-ui-origin", "localhost:8233")
	if code != exitUsage || !strings.Contains(errOut, `--web-ui-origin "localhost:8233": want the Web UI's origin`) {
		t.Errorf("bad origin: exit %d, stderr %q", code, errOut)
	}
}

// With CONNECTOR_PAYLOAD_KEYS_FILE the starter reads what the encrypting
// worker recorded: the stock sync's plan, pages and heartbeat, and the last
// failure of a retrying activity.
func TestProgressOfAnEncryptedRun(t *testing.T) {
	codec := testPayloadCodec(t, testKeyLine("k1", 1))
	start := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	events := stockHistory(t, workflows.ReconcileStockInput{Shop: "demo"},
		activities.PlanStockSyncResult{Mode: stocksync.ModeFull, MappedSKUs: 2500},
		activities.ReconcileStockPageResult{Summary: stocksync.Summary{Read: 1000}, Next: "S"})
	pending := runningPage(t, 0, 3, "")
	pending[0].LastFailure = codec.FailureConverter().ErrorToFailure(errors.New("ecforce: 503 for shop demo"))
	encrypt := func(p *commonpb.Payloads) {
		if p == nil {
			return
		}
		enc, err := codec.Encode(p.GetPayloads())
		if err != nil {
			t.Fatal(err)
		}
		p.Payloads = enc
	}
	for _, ev := range events {
		encrypt(ev.GetWorkflowExecutionStartedEventAttributes().GetInput())
		encrypt(ev.GetActivityTaskCompletedEventAttributes().GetResult())
	}
	encrypt(pending[0].GetHeartbeatDetails())

	s := &session{codec: codec}
	p := stockPassFromHistory(events, start, s.dataConverter())
	p.addRunningPage(runSnapshot{pending: pending}, s.dataConverter())
	got, _ := p.line(start.Add(2 * time.Minute))
	want := "full pass: 1/3 pages · 1,000/2,500 SKUs (40%) · 500 SKUs/min · ETA 09:05 JST (in 3m0s) · ReconcileStockPage attempt 3: ecforce: 503 for shop demo · 2m0s"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// Without the keys the progress is unknown, never wrong.
	plain := stockPassFromHistory(events, start, (&session{}).dataConverter())
	if plain.planned || plain.pages != 0 {
		t.Errorf("read encrypted payloads without the keys: %+v", plain)
	}
}
