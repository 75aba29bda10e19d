package webhook

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/ecforce-logiless/connector/config"
)

// Path is the route of the receiver; the shop code and its secret follow.
const Path = "/hooks/ecforce/"

// Trigger is what a webhook sets off. Implementations must be safe for
// concurrent use and cheap to call many times for one shop: a burst of
// webhooks calls Discover once per webhook, and the implementation
// debounces (one run plus at most one pending).
type Trigger interface {
	// Discover starts the shop's order discovery now; n.Order, when not
	// zero, is the order to handle first.
	Discover(ctx context.Context, shop string, n Notice) error
	// Cancel brings the cancellation of the order n.Order (never zero) in
	// ecforce to LOGILESS now.
	Cancel(ctx context.Context, shop string, n Notice) error
}

// Receiver serves POST /hooks/ecforce/<shop>/<secret>.
type Receiver struct {
	// Shops holds each shop's webhooks.secret; a shop without one takes
	// no webhooks.
	Shops *config.ShopsFile
	// Trigger is what each webhook calls.
	Trigger Trigger
	// Logger gets one line per webhook (default slog.Default()); never
	// the secret or the path.
	Logger *slog.Logger
	// Timeout bounds the trigger of one webhook (default 10 s).
	Timeout time.Duration
	// Count, if set, counts each webhook by shop ("" when unknown: the
	// code is never taken from a request that names no shop of ours) and
	// result (ResultUnauthorized, ResultUnknownShop, ResultFailed, or the
	// action).
	Count func(shop, result string)
}

// Results of a webhook besides its action, as Count gets them.
const (
	ResultUnauthorized = "unauthorized"
	ResultUnknownShop  = "unknown_shop"
	ResultFailed       = "failed"
)

func (rc *Receiver) count(shop, result string) {
	if rc.Count != nil {
		rc.Count(shop, result)
	}
}

// Outcomes of a webhook, in the log line and the response body.
const (
	ActionDiscover = "discover"
	ActionCancel   = "cancel"
)

// Handler returns the receiver's routes. Every other path is 404; another
// method on the route is 405.
func (rc *Receiver) Handler() http.Handler {
	m := http.NewServeMux()
	m.HandleFunc(Path+"{shop}/{secret}", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		rc.serve(w, r)
	})
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "not found", http.StatusNotFound)
	})
	return m
}

func (rc *Receiver) logger() *slog.Logger {
	if rc.Logger != nil {
		return rc.Logger
	}
	return slog.Default()
}

// maxBody is how much of a body is read; the rest is dropped unread.
const maxBody = maxParseBytes

func (rc *Receiver) serve(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("shop")
	shop, ok := rc.Shops.Shop(code)
	if !ok || !shop.Webhooks.Enabled() {
		// Shop codes are no secret (workflow IDs, metrics labels show
		// them); a 404 tells whoever registered the URL that the shop
		// part is wrong or the shop takes no webhooks, apart from a wrong
		// secret (401). The code is logged only when it is one of ours:
		// a URL written the wrong way round would put the secret here.
		if ok {
			rc.logger().Warn("webhook for a shop without webhooks.secret; nothing started", "shop", code, "remote", r.RemoteAddr)
			rc.count(code, ResultUnknownShop)
		} else {
			rc.logger().Warn("webhook for an unknown shop; nothing started", "remote", r.RemoteAddr)
			rc.count("", ResultUnknownShop)
		}
		http.Error(w, "unknown shop", http.StatusNotFound)
		return
	}
	if !secretMatches(r.PathValue("secret"), shop.Webhooks.Secret.Current()) {
		rc.logger().Warn("webhook with a wrong secret; nothing started (check the URL registered in ecforce's Webhook 管理)", "shop", code, "remote", r.RemoteAddr)
		rc.count(code, ResultUnauthorized)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	body, readErr := io.ReadAll(io.LimitReader(r.Body, maxBody))
	n := Parse(body)
	if readErr != nil {
		n = Notice{} // a body cut short is not trusted, but still triggers
	}

	ctx, cancel := context.WithTimeout(r.Context(), rc.timeout())
	defer cancel()
	action, err := ActionDiscover, error(nil)
	if n.Cancellation() && !n.Order.IsZero() {
		action, err = ActionCancel, rc.Trigger.Cancel(ctx, code, n)
	} else {
		err = rc.Trigger.Discover(ctx, code, n)
	}
	log := rc.logger().With("shop", code, "action", action, "event", n.Event, "state", n.State,
		"order_id", n.Order.ID, "order_number", n.Order.Number, "readable", n.Readable())
	if err != nil {
		log.Error("webhook could not start its run; the next scheduled run picks the order up", "error", err)
		rc.count(code, ResultFailed)
		http.Error(w, "could not start; try again", http.StatusServiceUnavailable)
		return
	}
	rc.count(code, action)
	log.Info("webhook received")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, _ = io.WriteString(w, `{"accepted":"`+action+`"}`)
}

func (rc *Receiver) timeout() time.Duration {
	if rc.Timeout > 0 {
		return rc.Timeout
	}
	return 10 * time.Second
}

// secretMatches compares in constant time, whatever the lengths: both
// sides are hashed first.
func secretMatches(got string, want config.Secret) bool {
	if want.IsZero() {
		return false
	}
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want.Reveal()))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}
