package webhook

import (
	"bytes"
	"encoding/json"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// EventOrderCanceled is ecforce's event for an order that became キャンセル.
const EventOrderCanceled = "order_canceled"

// StateCanceled is the 対応状況 key of a cancelled order.
const StateCanceled = "canceled"

// OrderHint names the order a webhook is about; either part may be empty.
type OrderHint struct {
	// ID is ecforce's numeric order id (受注ID), 0 when the body had none.
	ID int64
	// Number is the 受注番号, "" when the body had none.
	Number string
}

// IsZero reports whether the hint names no order.
func (h OrderHint) IsZero() bool { return h.ID == 0 && h.Number == "" }

// Notice is what a webhook body said.
type Notice struct {
	// Event is the event name the body carried (order_complete,
	// order_canceled, …), "" when it carried none.
	Event string
	// Order is the order the body named.
	Order OrderHint
	// State is the order's 対応状況 key the body carried, "" when none.
	State string
}

// Readable reports whether anything was read from the body.
func (n Notice) Readable() bool { return n.Event != "" || n.State != "" || !n.Order.IsZero() }

// Cancellation reports whether the webhook says the order was cancelled:
// the order_canceled event, or the state canceled.
func (n Notice) Cancellation() bool {
	return n.Event == EventOrderCanceled || n.State == StateCanceled
}

// What a value must look like to be kept. Order numbers end up in workflow
// IDs, so anything but the characters of a 受注番号 is dropped; a template
// placeholder ecforce did not fill in ("{{ order.id }}") is dropped too.
var (
	orderIDRE     = regexp.MustCompile(`^[0-9]{1,18}$`)
	orderNumberRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)
	keyRE         = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
)

// The field names read, by what they hold. The template in docs/webhooks.md
// writes the first of each; the others are what a shop's own template
// likely uses (our inference).
var (
	eventKeys  = []string{"event", "event_name", "type"}
	idKeys     = []string{"order_id"}
	numberKeys = []string{"order_number"}
	stateKeys  = []string{"order_state", "state"}
)

// maxParseBytes bounds how much of a body is parsed.
const maxParseBytes = 64 << 10

// Parse reads a webhook body: a JSON object, flat
// ({"event": …, "order_id": …, "order_number": …, "state": …}) or with the
// order in an object named order (or payment.order, as ecforce's payment
// templates have it: {"order": {"id": …, "number": …, "state": …}}), or
// form fields (order_id=…&order_number=…, order[id]=…). Values may be
// strings or numbers. Whatever it cannot read is left empty; it never
// fails.
func Parse(body []byte) Notice {
	if len(body) > maxParseBytes {
		body = body[:maxParseBytes]
	}
	body = bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")))
	if len(body) > 0 && body[0] == '{' {
		return parseJSON(body)
	}
	return parseForm(string(body))
}

func parseJSON(body []byte) Notice {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var root map[string]any
	if d.Decode(&root) != nil {
		return Notice{}
	}
	var n Notice
	read := func(obj map[string]any, event, id, number, state []string) {
		if obj == nil {
			return
		}
		fill(&n.Event, obj, event, keyRE)
		fill(&n.State, obj, state, keyRE)
		fill(&n.Order.Number, obj, number, orderNumberRE)
		if n.Order.ID == 0 {
			var s string
			fill(&s, obj, id, orderIDRE)
			n.Order.ID = orderID(s)
		}
	}
	read(root, eventKeys, idKeys, numberKeys, stateKeys)
	order, _ := root["order"].(map[string]any)
	if payment, ok := root["payment"].(map[string]any); ok && order == nil {
		order, _ = payment["order"].(map[string]any)
	}
	read(order, nil, []string{"id"}, []string{"number"}, []string{"state"})
	return n
}

func parseForm(body string) Notice {
	v, err := url.ParseQuery(body)
	if err != nil {
		return Notice{}
	}
	obj := map[string]any{}
	for k, vals := range v {
		if len(vals) > 0 {
			obj[k] = vals[0]
		}
	}
	var n Notice
	fill(&n.Event, obj, eventKeys, keyRE)
	fill(&n.State, obj, append(append([]string(nil), stateKeys...), "order[state]"), keyRE)
	fill(&n.Order.Number, obj, append(append([]string(nil), numberKeys...), "order[number]"), orderNumberRE)
	var id string
	fill(&id, obj, append(append([]string(nil), idKeys...), "order[id]"), orderIDRE)
	n.Order.ID = orderID(id)
	return n
}

// fill sets *dst, if still empty, to the first of keys in obj whose value,
// a string or number, matches re.
func fill(dst *string, obj map[string]any, keys []string, re *regexp.Regexp) {
	if *dst != "" {
		return
	}
	for _, k := range keys {
		var s string
		switch v := obj[k].(type) {
		case string:
			s = strings.TrimSpace(v)
		case json.Number:
			s = v.String()
		default:
			continue
		}
		if re.MatchString(s) {
			*dst = s
			return
		}
	}
}

func orderID(s string) int64 {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}
