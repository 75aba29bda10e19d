package main

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/converter"

	"github.com/ecforce-logiless/connector/config"
	"github.com/ecforce-logiless/connector/payloadcodec"
)

// maxCodecRequest bounds the body of one /encode or /decode request (the
// Web UI sends a page of history's payloads at a time).
const maxCodecRequest = 16 << 20

type codecServerFlags struct {
	listen        string
	origins       []string
	authTokenFile string
}

func newCodecServerCommand() *cobra.Command {
	var f codecServerFlags
	cmd := &cobra.Command{
		Use:   "codec-server [--listen HOST:PORT] [--web-ui-origin URL] [--auth-token-file PATH]",
		Short: "Serve the payload codec so the Web UI and the CLI show encrypted data",
		Long: `codec-server serves Temporal's codec server endpoints (POST /encode and
POST /decode) with the connector's payload keys, so that the Temporal Web UI and
the temporal CLI can show the inputs, results and failure messages of runs whose
payloads the workers encrypt (CONNECTOR_PAYLOAD_KEYS_FILE set).

It reads the key file of CONNECTOR_PAYLOAD_KEYS_FILE, the same file the workers
use. It answers browsers only from the --web-ui-origin origins (CORS); requests
without an Origin header (the CLI, scripts) are always answered. With
--auth-token-file every /encode and /decode request must carry
"Authorization: Bearer <the file's token>" (the temporal CLI sends it with
--codec-auth; the Web UI cannot, so keep --listen on the operator's machine
for the UI).

Point the Web UI at it in its settings (the "Codec Server" button: endpoint
http://127.0.0.1:8089), or start the dev server with
--ui-codec-endpoint http://127.0.0.1:8089. It serves until interrupted.
See docs/operations.md#encrypting-workflow-data.`,
		Example: `  CONNECTOR_PAYLOAD_KEYS_FILE=/etc/connector/payload-keys starter codec-server
  starter codec-server --listen 127.0.0.1:8089 --web-ui-origin https://temporal.example.com
  starter codec-server --auth-token-file /run/secrets/codec-token
  temporal workflow show -w import-order/demo/EC1 --codec-endpoint http://127.0.0.1:8089`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runCodecServer(cmd, f) },
	}
	cmd.Flags().StringVar(&f.listen, "listen", "127.0.0.1:8089", "host:port to listen on")
	cmd.Flags().StringSliceVar(&f.origins, "web-ui-origin", []string{"http://localhost:8233"},
		"origin of the Web UI the browser may call from (repeat or comma-separate for several)")
	cmd.Flags().StringVar(&f.authTokenFile, "auth-token-file", "",
		`file with a token every request must send as "Authorization: Bearer <token>" (default: no check)`)
	return cmd
}

func runCodecServer(cmd *cobra.Command, f codecServerFlags) error {
	origins, err := webUIOrigins(f.origins)
	if err != nil {
		return err
	}
	proc, err := loadProcess()
	if err != nil {
		return err
	}
	if proc.PayloadKeysFile == "" {
		return errors.New("codec-server needs the payload keys: set CONNECTOR_PAYLOAD_KEYS_FILE to the key file the workers use")
	}
	codec, err := payloadcodec.FromSettings(proc)
	if err != nil {
		return err
	}
	var token string
	if f.authTokenFile != "" {
		secret, err := config.SecretRef{File: f.authTokenFile}.Resolve(nil)
		if err != nil {
			return fmt.Errorf("--auth-token-file: %w", err)
		}
		token = secret.Reveal()
	}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return fmt.Errorf("codec server: listen on %s: %w (is another codec server running? choose another --listen)", f.listen, err)
	}
	srv := &http.Server{Handler: codecServerHandler(codec, origins, token), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	out := cmd.OutOrStdout()
	endpoint := "http://" + ln.Addr().String()
	fmt.Fprintf(out, "codec server listening on %s (encrypts with key %s; decrypts %s)\n", endpoint, codec.CurrentKeyID(), strings.Join(codec.KeyIDs(), ", "))
	fmt.Fprintf(out, "  Web UI: set the codec server endpoint to %s (browser origins: %s)\n", endpoint, strings.Join(origins, ", "))
	fmt.Fprintf(out, "  CLI:    temporal workflow show -w ID --codec-endpoint %s\n", endpoint)
	if token != "" {
		fmt.Fprintln(out, "  requests must send Authorization: Bearer <token of --auth-token-file>")
	}

	ctx := cmd.Context()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("codec server: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	fmt.Fprintln(out, "codec server stopped")
	return nil
}

// webUIOrigins checks and normalises the --web-ui-origin values to the
// form browsers send in the Origin header (scheme://host[:port]).
func webUIOrigins(values []string) ([]string, error) {
	var out []string
	for _, v := range values {
		v = strings.TrimRight(strings.TrimSpace(v), "/")
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.User != nil {
			return nil, usageError{fmt.Sprintf("--web-ui-origin %q: want the Web UI's origin, e.g. http://localhost:8233", v)}
		}
		out = append(out, u.Scheme+"://"+u.Host)
	}
	if len(out) == 0 {
		return nil, usageError{"--web-ui-origin: give at least one origin, e.g. http://localhost:8233"}
	}
	return out, nil
}

// codecServerHandler is the codec server: Temporal's payload codec HTTP
// handler behind a CORS check for origins and, if token is set, a bearer
// token check.
func codecServerHandler(codec *payloadcodec.Codec, origins []string, token string) http.Handler {
	inner := converter.NewPayloadCodecHTTPHandler(codec)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin := r.Header.Get("Origin"); origin != "" {
			if !slices.Contains(origins, origin) {
				http.Error(w, fmt.Sprintf("origin %s is not allowed: start the codec server with --web-ui-origin %s", origin, origin), http.StatusForbidden)
				return
			}
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
			h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Content-Type, X-Namespace, Authorization")
			h.Set("Access-Control-Max-Age", "600")
			h.Add("Vary", "Origin")
		}
		if r.Method == http.MethodOptions {
			// A preflight carries no credentials; the request after it does.
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if token != "" && !bearerMatches(r.Header.Get("Authorization"), token) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="connector codec server"`)
			http.Error(w, "missing or wrong Authorization header: send Authorization: Bearer <token of --auth-token-file>", http.StatusUnauthorized)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxCodecRequest)
		inner.ServeHTTP(w, r)
	})
}

// bearerMatches compares an Authorization header with "Bearer <token>" in
// constant time.
func bearerMatches(header, token string) bool {
	got, ok := strings.CutPrefix(header, "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(got), []byte(token)) == 1
}
