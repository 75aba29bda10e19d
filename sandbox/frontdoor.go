package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fault describes a misbehaviour injected into the next Times API requests
// whose method and path match. Faults never apply to /_sandbox/ control
// endpoints. Several effects combine: Delay happens first, then the first of
// AfterApply, Drop, Malformed, Status applies.
//
// JSON form (POST /_sandbox/faults):
//
//	{"method":"PUT","path_prefix":"/api/v2/admin/orders/shipping","times":1,
//	 "status":500,"body":"…","headers":{"Retry-After":"2"},"delay_ms":1500,
//	 "drop":false,"malformed":false,"after_apply":true}
type Fault struct {
	// Method matches the request method; empty matches any method.
	Method string `json:"method,omitempty"`
	// PathPrefix matches the start of the request path (a ".json" suffix is
	// ignored on both sides); empty matches every API path.
	PathPrefix string `json:"path_prefix,omitempty"`
	// Times is how many matching requests are affected: 0 means 1, a
	// negative value means every matching request until the fault is cleared.
	Times int `json:"times,omitempty"`
	// Status, when non-zero, answers with this status instead of the real
	// response (or, with AfterApply, after performing the real request).
	Status int `json:"status,omitempty"`
	// Body is the response body for Status; empty picks the API's usual body
	// for that status (e.g. ecforce 500 → AOR9999, 429 → "Retry later").
	Body string `json:"body,omitempty"`
	// Headers are added to the response (e.g. Retry-After, X-RateLimit-*).
	Headers map[string]string `json:"headers,omitempty"`
	// Delay is slept before anything else (cut short if the client gives up).
	Delay time.Duration `json:"-"`
	// Drop hijacks the connection and closes it without an answer.
	Drop bool `json:"drop,omitempty"`
	// Malformed serves the real response with its body cut in half, so the
	// JSON is truncated.
	Malformed bool `json:"malformed,omitempty"`
	// AfterApply performs the real request (its write happens), discards the
	// real answer and replies with Status (default 500), or drops the
	// connection when Drop is also set. Proves clients do not write twice.
	AfterApply bool `json:"after_apply,omitempty"`
}

type faultJSON struct {
	faultAlias
	DelayMS int64 `json:"delay_ms,omitempty"`
}

type faultAlias Fault

// MarshalJSON encodes Delay as delay_ms.
func (f Fault) MarshalJSON() ([]byte, error) {
	return json.Marshal(faultJSON{faultAlias: faultAlias(f), DelayMS: f.Delay.Milliseconds()})
}

// UnmarshalJSON decodes delay_ms into Delay.
func (f *Fault) UnmarshalJSON(b []byte) error {
	var j faultJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*f = Fault(j.faultAlias)
	f.Delay = time.Duration(j.DelayMS) * time.Millisecond
	return nil
}

func (f *Fault) matches(method, path string) bool {
	if f.Method != "" && !strings.EqualFold(f.Method, method) {
		return false
	}
	return strings.HasPrefix(path, strings.TrimSuffix(f.PathPrefix, ".json"))
}

// RateLimit configures a token bucket: RPS tokens per second, Burst tokens of
// capacity. RPS 0 (the zero value) disables limiting.
type RateLimit struct {
	RPS   float64 `json:"rps"`
	Burst int     `json:"burst"`
}

// tokenBucket is a classic token bucket on the wall clock (rate limiting is
// about real throughput, so it ignores the servers' configurable Clock).
type tokenBucket struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
}

func newTokenBucket(rl RateLimit) *tokenBucket {
	if rl.RPS <= 0 {
		return nil
	}
	burst := float64(rl.Burst)
	if burst < 1 {
		burst = math.Max(1, math.Ceil(rl.RPS))
	}
	return &tokenBucket{rate: rl.RPS, burst: burst, tokens: burst, last: time.Now()}
}

// limitDecision is the outcome of one take.
type limitDecision struct {
	allowed    bool
	limit      int
	remaining  int
	reset      time.Time     // when the bucket is full again (or next token, if refused)
	retryAfter time.Duration // only when refused
}

func (b *tokenBucket) take() limitDecision {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	b.tokens = math.Min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	d := limitDecision{limit: int(b.burst)}
	if b.tokens >= 1 {
		b.tokens--
		d.allowed = true
		d.remaining = int(b.tokens)
		d.reset = now.Add(time.Duration((b.burst - b.tokens) / b.rate * float64(time.Second)))
		return d
	}
	d.retryAfter = time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
	d.reset = now.Add(d.retryAfter)
	return d
}

func (d limitDecision) setHeaders(h http.Header) {
	h.Set("X-RateLimit-Limit", strconv.Itoa(d.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(d.remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(int64(math.Ceil(float64(d.reset.UnixNano())/1e9)), 10))
}

func (d limitDecision) retryAfterSeconds() string {
	return strconv.Itoa(int(math.Max(1, math.Ceil(d.retryAfter.Seconds()))))
}

// frontDoor is the part both fake servers share: it routes /_sandbox/ to the
// control mux and everything else through request counting, fault injection,
// rate limiting and request logging to the API mux.
type frontDoor struct {
	name    string // "ecforce" or "logiless", for logs
	logger  *slog.Logger
	control http.Handler
	api     http.Handler

	// stripJSON makes "/x.json" route like "/x" (ecforce).
	stripJSON bool
	// faultBody returns the API's usual body for a status (Fault.Body empty).
	faultBody func(status int) (contentType string, body []byte)
	// limit applies the rate limiter (nil limiter: no-op). It returns false
	// after writing a refusal.
	limit func(w http.ResponseWriter, r *http.Request, b *tokenBucket) bool
	// limited says whether a path is subject to rate limiting.
	limited func(path string) bool

	mu      sync.Mutex
	counts  map[string]int
	faults  []*Fault
	limiter *tokenBucket
}

// endpointKey names an endpoint for request counts: the method, a space and
// the path with every all-digit segment replaced by "{id}", e.g.
// "GET /api/v2/admin/orders/{id}" or "POST /api/v1/merchant/{id}/sales_orders/new".
func endpointKey(method, path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if s == "" {
			continue
		}
		if _, err := strconv.ParseUint(s, 10, 64); err == nil {
			segs[i] = "{id}"
		}
	}
	return method + " " + strings.Join(segs, "/")
}

func (d *frontDoor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if d.stripJSON && strings.HasSuffix(r.URL.Path, ".json") {
		r2 := r.Clone(r.Context())
		r2.URL.Path = strings.TrimSuffix(r.URL.Path, ".json")
		r2.URL.RawPath = ""
		r = r2
	}
	if r.URL.Path == "/_sandbox" || strings.HasPrefix(r.URL.Path, "/_sandbox/") {
		d.control.ServeHTTP(w, r)
		return
	}
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	fault := d.countAndTakeFault(r.Method, r.URL.Path)
	outcome := d.serveAPI(sw, r, fault)
	d.logger.LogAttrs(r.Context(), slog.LevelDebug, "sandbox request",
		slog.String("server", d.name),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", sw.status),
		slog.String("outcome", outcome),
		slog.Duration("took", time.Since(start)))
}

func (d *frontDoor) countAndTakeFault(method, path string) *Fault {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.counts[endpointKey(method, path)]++
	for i, f := range d.faults {
		if !f.matches(method, path) {
			continue
		}
		taken := *f
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				d.faults = append(d.faults[:i:i], d.faults[i+1:]...)
			}
		}
		return &taken
	}
	return nil
}

// serveAPI answers one API request, applying fault f if non-nil, and returns
// a short description of what happened for the log.
func (d *frontDoor) serveAPI(w http.ResponseWriter, r *http.Request, f *Fault) string {
	if f == nil {
		d.serveLimited(w, r)
		return "ok"
	}
	if f.Delay > 0 && !sleepCtx(r.Context(), f.Delay) {
		return "fault: client gave up during delay"
	}
	for k, v := range f.Headers {
		w.Header().Set(k, v)
	}
	switch {
	case f.AfterApply:
		rec := newRecorder()
		d.serveLimited(rec, r)
		if f.Drop {
			dropConnection(w)
			return fmt.Sprintf("fault: applied (real status %d), then dropped", rec.status)
		}
		status := f.Status
		if status == 0 {
			status = http.StatusInternalServerError
		}
		d.writeFaultStatus(w, status, f.Body)
		return fmt.Sprintf("fault: applied (real status %d), answered %d", rec.status, status)
	case f.Drop:
		dropConnection(w)
		return "fault: dropped"
	case f.Malformed:
		rec := newRecorder()
		d.serveLimited(rec, r)
		maps.Copy(w.Header(), rec.header)
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.status)
		body := rec.body.Bytes()
		_, _ = w.Write(body[:len(body)/2])
		return "fault: malformed body"
	case f.Status != 0:
		d.writeFaultStatus(w, f.Status, f.Body)
		return fmt.Sprintf("fault: status %d", f.Status)
	default:
		d.serveLimited(w, r)
		return "fault: delayed"
	}
}

func (d *frontDoor) serveLimited(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	lim := d.limiter
	d.mu.Unlock()
	if lim != nil && d.limited(r.URL.Path) && !d.limit(w, r, lim) {
		return
	}
	d.api.ServeHTTP(w, r)
}

func (d *frontDoor) writeFaultStatus(w http.ResponseWriter, status int, body string) {
	ct, b := d.faultBody(status)
	if body != "" {
		b = []byte(body)
		ct = "text/plain; charset=utf-8"
		if json.Valid(b) {
			ct = "application/json; charset=utf-8"
		}
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", ct)
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// HTTP/2 or a recorder: the closest we can do is abort the handler,
		// which net/http turns into a reset stream / closed connection.
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // RST rather than FIN: "connection reset by peer"
	}
	_ = conn.Close()
}

func (d *frontDoor) requestCounts() map[string]int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return maps.Clone(d.counts)
}

func (d *frontDoor) resetRequestCounts() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.counts = map[string]int{}
}

func (d *frontDoor) injectFault(f Fault) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if f.Times == 0 {
		f.Times = 1
	}
	f.Headers = maps.Clone(f.Headers)
	d.faults = append(d.faults, &f)
}

func (d *frontDoor) pendingFaults() []Fault {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]Fault, 0, len(d.faults))
	for _, f := range d.faults {
		out = append(out, *f)
	}
	return out
}

func (d *frontDoor) clearFaults() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.faults = nil
}

func (d *frontDoor) setRateLimit(rl RateLimit) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.limiter = newTokenBucket(rl)
}

// resetTraffic clears counters and faults (used by Reset).
func (d *frontDoor) resetTraffic() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.counts = map[string]int{}
	d.faults = nil
}

// statusWriter remembers the status code for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (for Drop).
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// recorder buffers a response (for AfterApply and Malformed faults).
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

// sleepCtx sleeps for d or until ctx is done; it reports whether it slept fully.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
