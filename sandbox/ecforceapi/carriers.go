package ecforceapi

import (
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

// ShippingCarrier is one 配送業者.
type ShippingCarrier struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Default bool   `json:"default"`
	// State is "active" (the default when empty) or "inactive"
	// (ecforce-api.md §4). The shop refuses an inactive carrier in a
	// shipping update or an order update (our inference: like an unknown
	// one, AOR3003).
	State string `json:"state,omitempty"`
}

// Carrier states.
const (
	CarrierActive   = "active"
	CarrierInactive = "inactive"
)

func (c ShippingCarrier) state() string {
	if c.State == "" {
		return CarrierActive
	}
	return c.State
}

// AddShippingCarrier adds (or renames, or changes the state of) a shipping
// carrier.
func (e *Server) AddShippingCarrier(c ShippingCarrier) error {
	if c.ID <= 0 || c.Name == "" {
		return errors.New("shipping carrier needs a positive id and a name")
	}
	if s := c.state(); s != CarrierActive && s != CarrierInactive {
		return errors.New(`shipping carrier state must be "active" or "inactive"`)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := range e.carriers {
		if e.carriers[i].ID == c.ID {
			e.carriers[i] = c
			return nil
		}
	}
	e.carriers = append(e.carriers, c)
	slices.SortFunc(e.carriers, func(a, b ShippingCarrier) int { return int(a.ID - b.ID) })
	return nil
}

// usableCarrierLocked reports whether an order may be given this carrier:
// the shop has it and it is active.
func (e *Server) usableCarrierLocked(id int64) bool {
	c, ok := e.carrierLocked(id)
	return ok && c.state() == CarrierActive
}

func (e *Server) carrierLocked(id int64) (ShippingCarrier, bool) {
	for _, c := range e.carriers {
		if c.ID == id {
			return c, true
		}
	}
	return ShippingCarrier{}, false
}

var carrierFields = ransackFields[ShippingCarrier]{
	"id":    func(c ShippingCarrier) fieldValue { return intVal(c.ID) },
	"name":  func(c ShippingCarrier) fieldValue { return strVal(c.Name) },
	"state": func(c ShippingCarrier) fieldValue { return strVal(c.state()) },
}

func carrierResource(c ShippingCarrier) resource {
	human := map[string]string{CarrierActive: "有効", CarrierInactive: "無効"}[c.state()]
	return resource{ID: idStr(c.ID), Type: "shipping_carrier", Attributes: map[string]any{
		"id": c.ID, "name": c.Name, "state": c.state(), "human_state": human, "default": c.Default,
	}}
}

func (e *Server) handleListCarriers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	e.mu.Lock()
	carriers := applyRansack(append([]ShippingCarrier(nil), e.carriers...), q, carrierFields)
	e.mu.Unlock()
	doc, _ := listPage(r, carriers, carrierResource)
	httpfake.WriteJSON(w, http.StatusOK, doc)
}

func (e *Server) handleGetCarrier(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	e.mu.Lock()
	c, ok := e.carrierLocked(id)
	e.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "ASC2001", "shipping_carrierが見つかりません。")
		return
	}
	httpfake.WriteJSON(w, http.StatusOK, map[string]any{"data": carrierResource(c)})
}
