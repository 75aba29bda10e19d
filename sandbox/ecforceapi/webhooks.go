package ecforceapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

// Webhooks, as ecforce's 「Webhook機能」 option sends them (ecforce-api.md
// §11): per event a URL and a body template. The fake sends
//   - order_completed when an order is created, and order_complete too when
//     it is created 注文確定 (complete);
//   - order_complete, order_canceled or order_shipped when an order's
//     対応状況 becomes complete, canceled or shipped (through the API or the
//     control endpoints).
//
// Each webhook is one POST, sent once in the background after the change
// (no retry: ecforce documents none, so the fake treats delivery as
// at-most-once, our inference), with Content-Type application/json and no
// signature. The template's placeholders {{ order.<field> }} (also
// {{ payment.order.<field> }}) take id, number, state, human_state,
// payment_state, total, created_at and updated_at; any other renders empty
// (Liquid's rule for an unknown variable; our inference).

// Webhook is one registration of Webhook 管理: the event, the receiver's
// URL and the body template.
type Webhook struct {
	Event    string `json:"event"`
	URL      string `json:"url"`
	Template string `json:"template"`
}

// WebhookEvents are the order events the fake sends.
var WebhookEvents = []string{"order_completed", "order_complete", "order_canceled", "order_shipped"}

// WebhookDelivery is one webhook sent, as GET /_sandbox/webhooks lists it
// (the URL, which carries the receiver's secret, is left out).
type WebhookDelivery struct {
	Event       string    `json:"event"`
	OrderID     int64     `json:"order_id"`
	OrderNumber string    `json:"order_number"`
	Status      int       `json:"status"` // 0: no answer
	Error       string    `json:"error,omitempty"`
	SentAt      time.Time `json:"sent_at"`
}

// AddWebhook registers a webhook.
func (e *Server) AddWebhook(h Webhook) error {
	if !contains(WebhookEvents, h.Event) {
		return fmt.Errorf("webhook: event %q is not one of %s", h.Event, strings.Join(WebhookEvents, ", "))
	}
	if u, err := url.Parse(h.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("webhook: url must be an absolute http(s) URL")
	}
	if strings.TrimSpace(h.Template) == "" {
		return errors.New("webhook: template is required (ecforce sends the template chosen in Webhook テンプレート管理)")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.webhooks = append(e.webhooks, h)
	return nil
}

// ClearWebhooks removes every registration.
func (e *Server) ClearWebhooks() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.webhooks = nil
}

// WebhookDeliveries returns every webhook sent so far, in the order their
// answers came.
func (e *Server) WebhookDeliveries() []WebhookDelivery {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]WebhookDelivery(nil), e.deliveries...)
}

// webhookEventsLocked sends the webhooks of an order whose state was
// before (created: "") and is now o.State.
func (e *Server) webhookEventsLocked(created bool, before string, o *Order) {
	if len(e.webhooks) == 0 || (!created && before == o.State) {
		return
	}
	var events []string
	if created {
		events = append(events, "order_completed")
	}
	switch o.State {
	case "complete":
		events = append(events, "order_complete")
	case "canceled":
		events = append(events, "order_canceled")
	case "shipped":
		events = append(events, "order_shipped")
	}
	for _, ev := range events {
		for _, h := range e.webhooks {
			if h.Event == ev {
				go e.send(h, o.ID, o.Number, e.renderLocked(h.Template, o))
			}
		}
	}
}

var placeholderRE = regexp.MustCompile(`\{\{\s*(?:payment\.)?order\.([a-z_]+)\s*\}\}|\{\{[^}]*\}\}`)

func (e *Server) renderLocked(template string, o *Order) []byte {
	human, _ := e.stateLabelLocked(o.State)
	fields := map[string]string{
		"id": strconv.FormatInt(o.ID, 10), "number": o.Number, "state": o.State, "human_state": human,
		"payment_state": o.PaymentState, "total": strconv.FormatInt(o.Total, 10),
		"created_at": jstText(o.CreatedAt), "updated_at": jstText(o.UpdatedAt),
	}
	return []byte(placeholderRE.ReplaceAllStringFunc(template, func(m string) string {
		sub := placeholderRE.FindStringSubmatch(m)
		return fields[sub[1]] // "" for anything unknown
	}))
}

var webhookClient = &http.Client{Timeout: 5 * time.Second}

func (e *Server) send(h Webhook, id int64, number string, body []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d := WebhookDelivery{Event: h.Event, OrderID: id, OrderNumber: number, SentAt: e.rawClock()}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "ecforce-sandbox-webhook")
		var resp *http.Response
		if resp, err = webhookClient.Do(req); err == nil {
			d.Status = resp.StatusCode
			_ = resp.Body.Close()
		}
	}
	if err != nil {
		// The error of a failed request quotes the URL; keep only what
		// failed.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		d.Error = err.Error()
	}
	e.logger.Debug("sandbox ecforce: webhook sent", "event", h.Event, "order", number, "status", d.Status, "error", d.Error)
	e.mu.Lock()
	e.deliveries = append(e.deliveries, d)
	e.mu.Unlock()
}

func jstText(t time.Time) string {
	s, _ := httpfake.FormatJST(t, "2006/01/02 15:04:05").(string)
	return s
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (e *Server) webhookEndpoints(m *httpfake.ControlMux) {
	m.HandleFunc("POST /_sandbox/webhooks", func(w http.ResponseWriter, r *http.Request) {
		if httpfake.ForEachInBody(w, r, e.AddWebhook) {
			w.WriteHeader(http.StatusCreated)
		}
	})
	m.HandleFunc("DELETE /_sandbox/webhooks", func(w http.ResponseWriter, r *http.Request) {
		e.ClearWebhooks()
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("GET /_sandbox/webhooks", func(w http.ResponseWriter, r *http.Request) {
		httpfake.WriteJSON(w, http.StatusOK, map[string]any{"deliveries": e.WebhookDeliveries()})
	})
}
