package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// Control endpoints live under /_sandbox/ on both servers: no auth, not
// counted in request counts, never faulted or rate limited. Bodies and
// responses are plain JSON (UTF-8); errors are {"error":"…"} with 400/404.

func controlError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, map[string]string{"error": err.Error()})
}

// decodeOneOrMany decodes a body holding one JSON object or an array of them.
func decodeOneOrMany[T any](r *http.Request) ([]T, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody))
	if err != nil {
		return nil, err
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, errors.New("empty body: want a JSON object or an array of objects")
	}
	if body[0] == '[' {
		var many []T
		if err := json.Unmarshal(body, &many); err != nil {
			return nil, fmt.Errorf("invalid JSON: %w", err)
		}
		return many, nil
	}
	var one T
	if err := json.Unmarshal(body, &one); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	return []T{one}, nil
}

// commonControl registers the endpoints both servers share.
func commonControl(m *http.ServeMux, d *frontDoor, state func() any, reset func(), extra []string) {
	endpoints := append([]string{
		"GET /_sandbox/state", "GET /_sandbox/requests", "DELETE /_sandbox/requests",
		"GET /_sandbox/faults", "POST /_sandbox/faults", "DELETE /_sandbox/faults",
		"POST /_sandbox/rate_limit", "POST /_sandbox/reset",
	}, extra...)
	m.HandleFunc("GET /_sandbox/{$}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"server": d.name, "endpoints": endpoints})
	})
	m.HandleFunc("GET /_sandbox", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/_sandbox/", http.StatusMovedPermanently)
	})
	m.HandleFunc("GET /_sandbox/state", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, state())
	})
	m.HandleFunc("GET /_sandbox/requests", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, d.requestCounts())
	})
	m.HandleFunc("DELETE /_sandbox/requests", func(w http.ResponseWriter, r *http.Request) {
		d.resetRequestCounts()
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("GET /_sandbox/faults", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, d.pendingFaults())
	})
	m.HandleFunc("POST /_sandbox/faults", func(w http.ResponseWriter, r *http.Request) {
		faults, err := decodeOneOrMany[Fault](r)
		if err != nil {
			controlError(w, http.StatusBadRequest, err)
			return
		}
		for _, f := range faults {
			d.injectFault(f)
		}
		writeJSON(w, http.StatusCreated, d.pendingFaults())
	})
	m.HandleFunc("DELETE /_sandbox/faults", func(w http.ResponseWriter, r *http.Request) {
		d.clearFaults()
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("POST /_sandbox/rate_limit", func(w http.ResponseWriter, r *http.Request) {
		var rl RateLimit
		if err := readJSON(r, &rl); err != nil {
			controlError(w, http.StatusBadRequest, err)
			return
		}
		d.setRateLimit(rl)
		writeJSON(w, http.StatusOK, rl)
	})
	m.HandleFunc("POST /_sandbox/reset", func(w http.ResponseWriter, r *http.Request) {
		reset()
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("/_sandbox/", func(w http.ResponseWriter, r *http.Request) {
		controlError(w, http.StatusNotFound, fmt.Errorf("no control endpoint %s %s (GET /_sandbox/ lists them)", r.Method, r.URL.Path))
	})
}

// --- ecforce -----------------------------------------------------------------------

type stockItemSeedJSON struct {
	VariantSKU        string `json:"variant_sku"`
	StockLocationCode string `json:"stock_location_code"`
	Stock             int    `json:"stock"`
}

func (e *Ecforce) controlMux() http.Handler {
	m := http.NewServeMux()
	extra := []string{
		"POST /_sandbox/orders", "POST /_sandbox/stock_items", "POST /_sandbox/states",
		"POST /_sandbox/shipping_carriers", "POST /_sandbox/capture_failures",
		"POST /_sandbox/settle_payments", "POST /_sandbox/rotate_token",
	}
	commonControl(m, e.door, func() any { return e.Snapshot() }, e.Reset, extra)

	m.HandleFunc("POST /_sandbox/orders", func(w http.ResponseWriter, r *http.Request) {
		seeds, err := decodeOneOrMany[OrderSeed](r)
		if err != nil {
			controlError(w, http.StatusBadRequest, err)
			return
		}
		ids, numbers := []int64{}, []string{}
		for i, s := range seeds {
			o, err := e.SeedOrder(s)
			if err != nil {
				writeJSON(w, http.StatusBadRequest, map[string]any{
					"error": fmt.Sprintf("order %d: %v", i, err), "ids": ids, "numbers": numbers,
				})
				return
			}
			ids, numbers = append(ids, o.ID), append(numbers, o.Number)
		}
		writeJSON(w, http.StatusCreated, map[string]any{"ids": ids, "numbers": numbers})
	})
	m.HandleFunc("POST /_sandbox/stock_items", func(w http.ResponseWriter, r *http.Request) {
		seeds, err := decodeOneOrMany[stockItemSeedJSON](r)
		if err != nil {
			controlError(w, http.StatusBadRequest, err)
			return
		}
		out := []EcforceStockItem{}
		for _, s := range seeds {
			si, err := e.SeedStockItem(s.VariantSKU, s.StockLocationCode, s.Stock)
			if err != nil {
				controlError(w, http.StatusBadRequest, err)
				return
			}
			out = append(out, si)
		}
		writeJSON(w, http.StatusCreated, out)
	})
	m.HandleFunc("POST /_sandbox/states", func(w http.ResponseWriter, r *http.Request) {
		states, err := decodeOneOrMany[OrderState](r)
		if err != nil {
			controlError(w, http.StatusBadRequest, err)
			return
		}
		for _, s := range states {
			if err := e.AddOrderState(s.Key, s.Label); err != nil {
				controlError(w, http.StatusBadRequest, err)
				return
			}
		}
		writeJSON(w, http.StatusCreated, e.Snapshot().States)
	})
	m.HandleFunc("POST /_sandbox/shipping_carriers", func(w http.ResponseWriter, r *http.Request) {
		carriers, err := decodeOneOrMany[ShippingCarrier](r)
		if err != nil {
			controlError(w, http.StatusBadRequest, err)
			return
		}
		for _, c := range carriers {
			if err := e.AddShippingCarrier(c); err != nil {
				controlError(w, http.StatusBadRequest, err)
				return
			}
		}
		writeJSON(w, http.StatusCreated, e.Snapshot().ShippingCarriers)
	})
	m.HandleFunc("POST /_sandbox/capture_failures", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			OrderID int64 `json:"order_id"`
		}
		if err := readJSON(r, &body); err != nil || body.OrderID == 0 {
			controlError(w, http.StatusBadRequest, errors.New(`want {"order_id": <id>}`))
			return
		}
		e.FailNextCapture(body.OrderID)
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("POST /_sandbox/settle_payments", func(w http.ResponseWriter, r *http.Request) {
		e.SettlePayments()
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("POST /_sandbox/rotate_token", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"api_token": e.RotateAPIToken()})
	})
	return m
}

// --- LOGILESS ----------------------------------------------------------------------

type articleSeedJSON struct {
	LogilessArticle
	Free *int `json:"free"` // optional initial free stock (Single only)
}

type stockSeedJSON struct {
	ArticleCode string `json:"article_code"`
	Free        *int   `json:"free"`
}

func (l *Logiless) controlMux() http.Handler {
	m := http.NewServeMux()
	extra := []string{
		"POST /_sandbox/articles", "POST /_sandbox/stock", "POST /_sandbox/article_maps",
		"POST /_sandbox/stores", "POST /_sandbox/sales_orders",
		"POST /_sandbox/sales_orders/{code}/ship", "POST /_sandbox/sales_orders/{code}/working",
		"POST /_sandbox/sales_orders/{code}/reversal", "POST /_sandbox/authorization_code",
		"POST /_sandbox/tokens", "POST /_sandbox/expire_tokens",
	}
	commonControl(m, l.door, func() any { return l.Snapshot() }, l.Reset, extra)

	m.HandleFunc("POST /_sandbox/articles", func(w http.ResponseWriter, r *http.Request) {
		seeds, err := decodeOneOrMany[articleSeedJSON](r)
		if err != nil {
			controlError(w, http.StatusBadRequest, err)
			return
		}
		out := []LogilessArticle{}
		for _, s := range seeds {
			a, err := l.SeedArticle(s.LogilessArticle)
			if err == nil && s.Free != nil {
				err = l.SetFreeStock(a.Code, *s.Free)
			}
			if err != nil {
				controlError(w, http.StatusBadRequest, fmt.Errorf("article %q: %w", s.Code, err))
				return
			}
			out = append(out, a)
		}
		writeJSON(w, http.StatusCreated, out)
	})
	m.HandleFunc("POST /_sandbox/stock", func(w http.ResponseWriter, r *http.Request) {
		seeds, err := decodeOneOrMany[stockSeedJSON](r)
		if err != nil {
			controlError(w, http.StatusBadRequest, err)
			return
		}
		out := []InventorySummary{}
		for _, s := range seeds {
			if s.Free == nil {
				controlError(w, http.StatusBadRequest, fmt.Errorf(`stock for %q: want {"article_code": "…", "free": n}`, s.ArticleCode))
				return
			}
			if err := l.SetFreeStock(s.ArticleCode, *s.Free); err != nil {
				controlError(w, http.StatusBadRequest, err)
				return
			}
			out = append(out, l.inventoryOf(s.ArticleCode))
		}
		writeJSON(w, http.StatusOK, out)
	})
	m.HandleFunc("POST /_sandbox/article_maps", func(w http.ResponseWriter, r *http.Request) {
		seeds, err := decodeOneOrMany[ArticleMap](r)
		if err != nil {
			controlError(w, http.StatusBadRequest, err)
			return
		}
		out := []ArticleMap{}
		for _, s := range seeds {
			am, err := l.SeedArticleMap(s)
			if err != nil {
				controlError(w, http.StatusBadRequest, err)
				return
			}
			out = append(out, am)
		}
		writeJSON(w, http.StatusCreated, out)
	})
	m.HandleFunc("POST /_sandbox/stores", func(w http.ResponseWriter, r *http.Request) {
		stores, err := decodeOneOrMany[LogilessStore](r)
		if err != nil {
			controlError(w, http.StatusBadRequest, err)
			return
		}
		for _, s := range stores {
			if err := l.AddStore(s); err != nil {
				controlError(w, http.StatusBadRequest, err)
				return
			}
		}
		writeJSON(w, http.StatusCreated, l.Snapshot().Stores)
	})
	m.HandleFunc("POST /_sandbox/sales_orders", func(w http.ResponseWriter, r *http.Request) {
		var body map[string]json.RawMessage
		if err := readJSON(r, &body); err != nil {
			controlError(w, http.StatusBadRequest, err)
			return
		}
		if inner, ok := body["sales_order"]; ok { // the API's wrapper is optional here
			body = nil
			if err := json.Unmarshal(inner, &body); err != nil {
				controlError(w, http.StatusBadRequest, err)
				return
			}
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		o, verr := l.createSalesOrderLocked(body)
		if verr != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"code": 400, "message": "Validation Failed", "errors": verr.Fields})
			return
		}
		writeJSON(w, http.StatusCreated, l.renderSalesOrderLocked(o))
	})
	m.HandleFunc("POST /_sandbox/sales_orders/{code}/ship", func(w http.ResponseWriter, r *http.Request) {
		var opts ShipOptions
		if err := readJSON(r, &opts); err != nil {
			controlError(w, http.StatusBadRequest, err)
			return
		}
		l.respondOrder(w, r.PathValue("code"), func(code string) error {
			_, err := l.ShipSalesOrder(code, opts)
			return err
		})
	})
	m.HandleFunc("POST /_sandbox/sales_orders/{code}/working", func(w http.ResponseWriter, r *http.Request) {
		l.respondOrder(w, r.PathValue("code"), l.MarkDeliveryWorking)
	})
	m.HandleFunc("POST /_sandbox/sales_orders/{code}/reversal", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			ClearsCode bool `json:"clears_code"`
		}
		if err := readJSON(r, &body); err != nil {
			controlError(w, http.StatusBadRequest, err)
			return
		}
		var newCode string
		l.respondOrder(w, r.PathValue("code"), func(code string) error {
			o, err := l.ReverseSalesOrder(code, body.ClearsCode)
			newCode = o.Code
			return err
		}, &newCode)
	})
	m.HandleFunc("POST /_sandbox/authorization_code", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{
			"code": l.IssueAuthorizationCode(), "client_id": l.cfg.ClientID, "redirect_uri": l.cfg.RedirectURI,
			"expires_in": int(l.cfg.AuthorizationCodeTTL.Seconds()),
		})
	})
	m.HandleFunc("POST /_sandbox/tokens", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, l.IssueTokens())
	})
	m.HandleFunc("POST /_sandbox/expire_tokens", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Refresh bool `json:"refresh"`
		}
		if err := readJSON(r, &body); err != nil {
			controlError(w, http.StatusBadRequest, err)
			return
		}
		l.ExpireAccessTokens()
		if body.Refresh {
			l.ExpireRefreshTokens()
		}
		w.WriteHeader(http.StatusNoContent)
	})
	return m
}

// respondOrder runs op on the order code and answers with the order as the
// API renders it; newCode, when given, is the code to render afterwards
// (a clears_code reversal renames the order).
func (l *Logiless) respondOrder(w http.ResponseWriter, code string, op func(string) error, newCode ...*string) {
	if err := op(code); err != nil {
		status := http.StatusBadRequest
		var le *lockedError
		switch {
		case errors.Is(err, ErrNotFound):
			status = http.StatusNotFound
		case errors.As(err, &le):
			status = http.StatusLocked
		}
		controlError(w, status, err)
		return
	}
	if len(newCode) > 0 && *newCode[0] != "" {
		code = *newCode[0]
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	writeJSON(w, http.StatusOK, l.renderSalesOrderLocked(l.orderByCodeLocked(code)))
}

// inventoryOf returns the summary of one article (zero value if unknown).
func (l *Logiless) inventoryOf(code string) InventorySummary {
	l.mu.Lock()
	defer l.mu.Unlock()
	if a := l.articleLocked(code); a != nil {
		return l.summaryLocked(a)
	}
	return InventorySummary{ArticleCode: code}
}
