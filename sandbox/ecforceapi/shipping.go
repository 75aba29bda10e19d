package ecforceapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

// flag01 reads a with_sale/with_async flag (0/1, true/false, or strings).
func flag01(raw json.RawMessage) bool {
	v, _, _ := httpfake.LooseBool(raw)
	return v
}

// handleShipping answers PUT|POST orders/shipping: per record it sets the
// 送り状番号, carrier and shipped_at (never the state), and with with_sale=1
// starts a capture; with_async=1 answers only a job id.
func (e *Server) handleShipping(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Orders    []map[string]json.RawMessage `json:"orders"`
		WithSale  json.RawMessage              `json:"with_sale"`
		WithAsync json.RawMessage              `json:"with_async"`
	}
	if err := httpfake.ReadJSON(r, &body); err != nil || len(body.Orders) == 0 {
		writeError(w, http.StatusBadRequest, "AOR3001", "ordersパラメータが正しくありません。")
		return
	}
	withSale, async := flag01(body.WithSale), flag01(body.WithAsync)
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.admitBulkLocked(w, "shipping", "orders", len(body.Orders)) {
		return
	}
	e.settleLocked()
	res := newBulkResult()
	var done []int64
	for _, rec := range body.Orders {
		o, id, shown := e.bulkOrderLocked(res, rec)
		if o == nil || e.refusedLocked(res, id, shown) {
			continue
		}
		raw, has := rec["shipping_address_id"]
		if has {
			addr, ok, err := httpfake.LooseInt(raw)
			if ok && err == nil {
				shown = fmt.Sprintf("%d-%d", id, addr)
			}
			if err != nil || (ok && !o.hasDestination(addr)) {
				res.fail(shown, "AOR", fieldError{"AOR2002", "shipping_addressが見つかりません。"})
				continue
			}
		} else if len(o.ShippingAddresses) > 1 {
			// The reference: shipping_address_id is required for orders
			// with several destinations.
			res.fail(shown, "AOR", fieldError{"AOR3001", "shipping_address_idパラメータが正しくありません。"})
			continue
		}
		next := *o
		var fe *fieldError
		if raw, has := rec["shipping_carrier_id"]; has {
			cid, ok, err := httpfake.LooseInt(raw)
			if err != nil || (ok && !e.usableCarrierLocked(cid)) {
				fe = &errBadCarrier
			}
			next.ShippingCarrierID = cid
		}
		if raw, has := rec["shipping_slip"]; has && fe == nil {
			s, _, err := httpfake.LooseString(raw)
			if err != nil {
				fe = &fieldError{"AOR3001", "shipping_slipパラメータが正しくありません。"}
			}
			next.ShippingSlip = s
		}
		if raw, has := rec["shipped_at"]; has && fe == nil {
			s, ok, err := httpfake.LooseString(raw)
			var t time.Time
			if err == nil && ok {
				t, err = httpfake.ParseJST(s)
			}
			if err != nil {
				fe = &fieldError{"AOR3004", "shipped_atパラメータが正しくありません。"}
			}
			next.ShippedAt = t
		}
		if fe != nil {
			res.fail(shown, "AOR", *fe)
			continue
		}
		next.UpdatedAt = e.clock()
		*o = next // overwrites earlier values; state is deliberately untouched
		if withSale {
			e.paymentActionLocked(o, "sales")
		}
		res.Success = append(res.Success, shown)
		done = append(done, id)
	}
	if async {
		j := e.newJobLocked("shipping", done)
		httpfake.WriteJSON(w, http.StatusOK, map[string]any{"job_id": j.JobID})
		return
	}
	httpfake.WriteJSON(w, http.StatusOK, res)
}
