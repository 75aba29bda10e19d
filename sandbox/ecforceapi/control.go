package ecforceapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

// The shop's own control endpoints under /_sandbox/, next to the ones every
// fake answers (see httpfake): seeding, payment outcomes and the API token.

type stockItemSeedJSON struct {
	VariantSKU        string `json:"variant_sku"`
	StockLocationCode string `json:"stock_location_code"`
	Stock             int    `json:"stock"`
}

func (e *Server) controlEndpoints(m *httpfake.ControlMux) {
	m.HandleFunc("POST /_sandbox/orders", func(w http.ResponseWriter, r *http.Request) {
		seeds, err := httpfake.DecodeOneOrMany[OrderSeed](r)
		if err != nil {
			httpfake.ControlError(w, http.StatusBadRequest, err)
			return
		}
		ids, numbers := []int64{}, []string{}
		for i, s := range seeds {
			o, err := e.SeedOrder(s)
			if err != nil {
				httpfake.WriteJSON(w, http.StatusBadRequest, map[string]any{
					"error": fmt.Sprintf("order %d: %v", i, err), "ids": ids, "numbers": numbers,
				})
				return
			}
			ids, numbers = append(ids, o.ID), append(numbers, o.Number)
		}
		httpfake.WriteJSON(w, http.StatusCreated, map[string]any{"ids": ids, "numbers": numbers})
	})
	m.HandleFunc("POST /_sandbox/orders/{id}/cancel", func(w http.ResponseWriter, r *http.Request) {
		e.respondChange(w, r, func(id int64) (Order, error) { return e.CancelOrder(id) })
	})
	m.HandleFunc("POST /_sandbox/orders/{id}/payment", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			PaymentState string `json:"payment_state"`
		}
		if err := httpfake.ReadJSON(r, &body); err != nil {
			httpfake.ControlError(w, http.StatusBadRequest, err)
			return
		}
		e.respondChange(w, r, func(id int64) (Order, error) { return e.CompletePayment(id, body.PaymentState) })
	})
	m.HandleFunc("POST /_sandbox/stock_items", func(w http.ResponseWriter, r *http.Request) {
		out := []StockItem{}
		if httpfake.ForEachInBody(w, r, func(s stockItemSeedJSON) error {
			si, err := e.SeedStockItem(s.VariantSKU, s.StockLocationCode, s.Stock)
			if err != nil {
				return err
			}
			out = append(out, si)
			return nil
		}) {
			httpfake.WriteJSON(w, http.StatusCreated, out)
		}
	})
	m.HandleFunc("POST /_sandbox/states", func(w http.ResponseWriter, r *http.Request) {
		if httpfake.ForEachInBody(w, r, func(s OrderState) error { return e.AddOrderState(s.Key, s.Label) }) {
			httpfake.WriteJSON(w, http.StatusCreated, e.Snapshot().States)
		}
	})
	m.HandleFunc("POST /_sandbox/shipping_carriers", func(w http.ResponseWriter, r *http.Request) {
		if httpfake.ForEachInBody(w, r, e.AddShippingCarrier) {
			httpfake.WriteJSON(w, http.StatusCreated, e.Snapshot().ShippingCarriers)
		}
	})
	m.HandleFunc("POST /_sandbox/capture_failures", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			OrderID int64 `json:"order_id"`
		}
		if err := httpfake.ReadJSON(r, &body); err != nil || body.OrderID == 0 {
			httpfake.ControlError(w, http.StatusBadRequest, errors.New(`want {"order_id": <id>}`))
			return
		}
		e.FailNextCapture(body.OrderID)
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("POST /_sandbox/slow_captures", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			OrderID int64 `json:"order_id"`
			DelayMS int64 `json:"delay_ms"`
		}
		if err := httpfake.ReadJSON(r, &body); err != nil || body.OrderID == 0 || body.DelayMS <= 0 {
			httpfake.ControlError(w, http.StatusBadRequest, errors.New(`want {"order_id": <id>, "delay_ms": <positive>}`))
			return
		}
		e.SlowNextCapture(body.OrderID, time.Duration(body.DelayMS)*time.Millisecond)
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("POST /_sandbox/settle_payments", func(w http.ResponseWriter, r *http.Request) {
		e.SettlePayments()
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("POST /_sandbox/ignored_filters", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Filters []string `json:"filters"`
		}
		if err := httpfake.ReadJSON(r, &body); err != nil {
			httpfake.ControlError(w, http.StatusBadRequest, errors.New(`want {"filters": ["updated_at_gteq", …]}`))
			return
		}
		e.IgnoreOrderFilters(body.Filters...)
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("POST /_sandbox/rotate_token", func(w http.ResponseWriter, r *http.Request) {
		httpfake.WriteJSON(w, http.StatusOK, map[string]string{"api_token": e.RotateAPIToken()})
	})
}

// respondChange runs change on the order of the path's {id} and answers
// with the changed order's snapshot (404 for an unknown id).
func (e *Server) respondChange(w http.ResponseWriter, r *http.Request, change func(id int64) (Order, error)) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	o, err := change(id)
	switch {
	case errors.Is(err, ErrNotFound):
		httpfake.ControlError(w, http.StatusNotFound, err)
	case err != nil:
		httpfake.ControlError(w, http.StatusBadRequest, err)
	default:
		httpfake.WriteJSON(w, http.StatusOK, o)
	}
}

// IgnoreOrderFilters makes the order listing drop these ransack filters
// (attribute_predicate, e.g. "updated_at_gteq") as ransack drops a filter
// it does not know: the listing then answers as if they were not given.
// No names clears the list.
func (e *Server) IgnoreOrderFilters(names ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ignoredFilters = map[string]bool{}
	for _, n := range names {
		e.ignoredFilters[n] = true
	}
}

// dropIgnoredFiltersLocked removes the ignored filters from a listing's
// query (q[name], q[name][], q[name][0]…).
func (e *Server) dropIgnoredFiltersLocked(q url.Values) {
	for key := range q {
		name, ok := strings.CutPrefix(key, "q[")
		if !ok {
			continue
		}
		if i := strings.Index(name, "]"); i >= 0 && e.ignoredFilters[name[:i]] {
			delete(q, key)
		}
	}
}

// SetOrderState changes an order's 対応状況 as a person does in ecforce's
// admin screen: its updated_at becomes now.
func (e *Server) SetOrderState(id int64, state string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	o, ok := e.ordersByID[id]
	if !ok {
		return fmt.Errorf("no order %d", id)
	}
	o.State, o.UpdatedAt = state, e.clock()
	return nil
}
