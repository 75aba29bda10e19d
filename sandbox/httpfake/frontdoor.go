package httpfake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DoorConfig configures a FrontDoor: what the API it guards answers where
// the two fakes differ, and the handlers behind it.
type DoorConfig struct {
	// Name is the server's name ("ecforce" or "logiless") in logs and in the
	// control index.
	Name string
	// Logger receives one debug line per API request (default slog.Default()).
	Logger *slog.Logger
	// StripJSON makes "/x.json" route, count and match faults like "/x".
	StripJSON bool
	// FaultBody returns the API's usual body for a status: used by faults
	// that set no Body and by rate-limit refusals (429).
	FaultBody func(status int) (contentType string, body []byte)
	// RateLimitHeaders puts X-RateLimit-Limit, -Remaining and -Reset on
	// every API response while a rate limit is set: allowed, refused,
	// faulted, or outside the budget. Refusals carry Retry-After only when
	// RateLimit.RetryAfter is set.
	RateLimitHeaders bool
	// LimitedPaths are the path prefixes that take from the budget
	// (default "/api/"); LOGILESS adds "/oauth2/token".
	LimitedPaths []string
	// RateLimit is the initial rate limit (zero value: unlimited).
	RateLimit RateLimit
	// API serves every request outside /_sandbox/.
	API http.Handler
	// Control registers the server's own control endpoints next to the
	// shared ones (state, requests, faults, rate_limit, reset).
	Control func(m *ControlMux)
	// State returns what GET /_sandbox/state shows.
	State func() any
	// Reset is what POST /_sandbox/reset does.
	Reset func()
}

// FrontDoor is where every request to a fake server enters: it routes
// /_sandbox/ to the control endpoints and sends everything else through
// request counting, fault injection, rate limiting (paths under /api/ only)
// and request logging to the API handler. A fake server embeds it, so its
// exported methods are that server's traffic controls. All methods are safe
// for concurrent use.
type FrontDoor struct {
	cfg     DoorConfig
	control http.Handler

	mu      sync.Mutex
	counts  map[string]int
	faults  []*Fault
	applied map[string]int // faults applied, by kind
	stats   BudgetStats
	// arrivals are the times of the admitted requests (the first
	// maxArrivals), for BudgetStats.BusyRate.
	arrivals []time.Time
	limiter  *tokenBucket
	// rateLimit is what limiter was made from.
	rateLimit RateLimit
}

// NewFrontDoor returns a front door for the handlers and behaviour in cfg.
func NewFrontDoor(cfg DoorConfig) *FrontDoor {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if len(cfg.LimitedPaths) == 0 {
		cfg.LimitedPaths = []string{"/api/"}
	}
	d := &FrontDoor{cfg: cfg, counts: map[string]int{}, applied: map[string]int{}, limiter: newTokenBucket(cfg.RateLimit), rateLimit: cfg.RateLimit}
	d.control = d.controlMux()
	return d
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

// ServeHTTP implements http.Handler.
func (d *FrontDoor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if d.cfg.StripJSON && strings.HasSuffix(r.URL.Path, ".json") {
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
	d.cfg.Logger.LogAttrs(r.Context(), slog.LevelDebug, "sandbox request",
		slog.String("server", d.cfg.Name),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", sw.status),
		slog.String("outcome", outcome),
		slog.Duration("took", time.Since(start)))
}

func (d *FrontDoor) countAndTakeFault(method, path string) *Fault {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.counts[endpointKey(method, path)]++
	for i, f := range d.faults {
		if !f.matches(method, path) {
			continue
		}
		if f.Probability > 0 && f.Probability < 1 && rand.Float64() >= f.Probability {
			continue
		}
		d.applied[f.kind()]++
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
func (d *FrontDoor) serveAPI(w http.ResponseWriter, r *http.Request, f *Fault) string {
	if f == nil {
		d.serveLimited(w, r)
		return "ok"
	}
	if f.Delay > 0 && !sleepCtx(r.Context(), f.Delay) {
		return "fault: client gave up during delay"
	}
	if lim, _ := d.budget(); lim != nil && d.cfg.RateLimitHeaders {
		// The budget as it stands; an answer that reaches the API below
		// writes what it took instead.
		lim.peek().setHeaders(w.Header())
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

// serveLimited passes the request to the API unless the rate limiter, which
// applies to the LimitedPaths only, refuses it.
func (d *FrontDoor) serveLimited(w http.ResponseWriter, r *http.Request) {
	lim, rl := d.budget()
	switch {
	case lim == nil:
	case d.limited(r.URL.Path):
		if !d.admit(w, lim, rl) {
			return
		}
	case d.cfg.RateLimitHeaders:
		lim.peek().setHeaders(w.Header())
	}
	d.cfg.API.ServeHTTP(w, r)
}

func (d *FrontDoor) budget() (*tokenBucket, RateLimit) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.limiter, d.rateLimit
}

func (d *FrontDoor) limited(path string) bool {
	for _, p := range d.cfg.LimitedPaths {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// admit takes a token; without one it answers 429 with the API's usual 429
// body (and Retry-After only if rl asks for it), and reports false.
func (d *FrontDoor) admit(w http.ResponseWriter, b *tokenBucket, rl RateLimit) bool {
	dec := b.take()
	if d.cfg.RateLimitHeaders {
		dec.setHeaders(w.Header())
	}
	d.mu.Lock()
	if dec.allowed {
		now := time.Now()
		if d.stats.Admitted == 0 {
			d.stats.First = now
		}
		d.stats.Admitted++
		d.stats.Last = now
		if len(d.arrivals) < maxArrivals {
			d.arrivals = append(d.arrivals, now)
		}
	} else {
		d.stats.Refused++
	}
	d.mu.Unlock()
	if dec.allowed {
		return true
	}
	ct, body := d.cfg.FaultBody(http.StatusTooManyRequests)
	if rl.RetryAfter {
		w.Header().Set("Retry-After", dec.retryAfterSeconds())
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = w.Write(body)
	return false
}

func (d *FrontDoor) writeFaultStatus(w http.ResponseWriter, status int, body string) {
	ct, b := d.cfg.FaultBody(status)
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

// RequestCounts returns API request counts per endpoint key: the method, a
// space and the path with every all-digit segment replaced by "{id}" (and
// ".json" folded in where StripJSON is set), e.g. "GET /api/v2/admin/orders",
// "PUT /api/v2/admin/orders/{id}" or "POST /api/v1/merchant/{id}/sales_orders/new".
// Every API request counts, including refused and faulted ones; control
// endpoints never do.
func (d *FrontDoor) RequestCounts() map[string]int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return maps.Clone(d.counts)
}

// ResetRequestCounts zeroes the request counters and the Budget figures.
func (d *FrontDoor) ResetRequestCounts() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.counts = map[string]int{}
	d.stats = BudgetStats{}
	d.arrivals = nil
}

// InjectFault queues a fault for the next matching API requests.
func (d *FrontDoor) InjectFault(f Fault) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if f.Times == 0 {
		f.Times = 1
	}
	f.Headers = maps.Clone(f.Headers)
	d.faults = append(d.faults, &f)
}

// Faults returns the faults still queued.
func (d *FrontDoor) Faults() []Fault {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]Fault, 0, len(d.faults))
	for _, f := range d.faults {
		out = append(out, *f)
	}
	return out
}

// FaultCounts returns how many requests each kind of fault affected
// (Fault.Kind, or the kind its effects name).
func (d *FrontDoor) FaultCounts() map[string]int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return maps.Clone(d.applied)
}

// BudgetStats is what the rate limiter did with the API requests under
// its LimitedPaths since the start or the last reset.
type BudgetStats struct {
	// Admitted requests passed the limiter; Refused got its 429 (injected
	// 429 faults are not counted: they are in FaultCounts).
	Admitted int `json:"admitted"`
	Refused  int `json:"refused"`
	// First and Last are when the first and the last admitted request
	// arrived.
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
	// BusyRate is the admitted requests per second while clients kept the
	// budget busy: over the gaps between admitted requests shorter than
	// two of the limiter's intervals (longer ones are idle time, when no
	// client had a request to send). Zero without a rate limit.
	BusyRate float64 `json:"busy_rate"`
	// BusyGaps counts the gaps BusyRate is measured over.
	BusyGaps int `json:"busy_gaps"`
}

// maxArrivals bounds the admitted requests whose times are kept.
const maxArrivals = 200000

// Rate is the admitted requests per second between First and Last.
func (b BudgetStats) Rate() float64 {
	if b.Admitted < 2 || !b.Last.After(b.First) {
		return 0
	}
	return float64(b.Admitted-1) / b.Last.Sub(b.First).Seconds()
}

// Budget returns the rate limiter's figures.
func (d *FrontDoor) Budget() BudgetStats {
	d.mu.Lock()
	defer d.mu.Unlock()
	st := d.stats
	if d.rateLimit.RPS > 0 && len(d.arrivals) > 1 {
		idle := time.Duration(2 * float64(time.Second) / d.rateLimit.RPS)
		var busy time.Duration
		for i := 1; i < len(d.arrivals); i++ {
			if gap := d.arrivals[i].Sub(d.arrivals[i-1]); gap < idle {
				busy += gap
				st.BusyGaps++
			}
		}
		if busy > 0 {
			st.BusyRate = float64(st.BusyGaps) / busy.Seconds()
		}
	}
	return st
}

// ClearFaults removes every queued fault.
func (d *FrontDoor) ClearFaults() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.faults = nil
}

// SetRateLimit replaces the rate limit (RPS 0 disables it).
func (d *FrontDoor) SetRateLimit(rl RateLimit) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.limiter = newTokenBucket(rl)
	d.rateLimit = rl
}

// ResetTraffic zeroes the request counters and removes every queued fault;
// the rate limit stays. The servers' Reset calls it.
func (d *FrontDoor) ResetTraffic() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.counts = map[string]int{}
	d.faults = nil
	d.applied = map[string]int{}
	d.stats = BudgetStats{}
	d.arrivals = nil
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
