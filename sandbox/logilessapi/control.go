package logilessapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

// The merchant's own control endpoints under /_sandbox/, next to the ones
// every fake answers (see httpfake): seeding, the warehouse's actions on
// sales orders, and OAuth codes and tokens.

type articleSeedJSON struct {
	Article
	Free *int `json:"free"` // optional initial free stock (Single only)
}

type stockSeedJSON struct {
	ArticleCode string `json:"article_code"`
	Free        *int   `json:"free"`
}

func (l *Server) controlEndpoints(m *httpfake.ControlMux) {
	m.HandleFunc("POST /_sandbox/articles", func(w http.ResponseWriter, r *http.Request) {
		out := []Article{}
		if httpfake.ForEachInBody(w, r, func(s articleSeedJSON) error {
			a, err := l.SeedArticle(s.Article)
			if err == nil && s.Free != nil {
				err = l.SetFreeStock(a.Code, *s.Free)
			}
			if err != nil {
				return fmt.Errorf("article %q: %w", s.Code, err)
			}
			out = append(out, a)
			return nil
		}) {
			httpfake.WriteJSON(w, http.StatusCreated, out)
		}
	})
	m.HandleFunc("POST /_sandbox/stock", func(w http.ResponseWriter, r *http.Request) {
		out := []InventorySummary{}
		if httpfake.ForEachInBody(w, r, func(s stockSeedJSON) error {
			if s.Free == nil {
				return fmt.Errorf(`stock for %q: want {"article_code": "…", "free": n}`, s.ArticleCode)
			}
			if err := l.SetFreeStock(s.ArticleCode, *s.Free); err != nil {
				return err
			}
			out = append(out, l.inventoryOf(s.ArticleCode))
			return nil
		}) {
			httpfake.WriteJSON(w, http.StatusOK, out)
		}
	})
	m.HandleFunc("POST /_sandbox/article_maps", func(w http.ResponseWriter, r *http.Request) {
		out := []ArticleMap{}
		if httpfake.ForEachInBody(w, r, func(s ArticleMap) error {
			am, err := l.SeedArticleMap(s)
			if err != nil {
				return err
			}
			out = append(out, am)
			return nil
		}) {
			httpfake.WriteJSON(w, http.StatusCreated, out)
		}
	})
	m.HandleFunc("PUT /_sandbox/article_maps/{id}", func(w http.ResponseWriter, r *http.Request) {
		var body json.RawMessage
		if err := httpfake.ReadJSON(r, &body); err != nil {
			httpfake.ControlError(w, http.StatusBadRequest, err)
			return
		}
		var decodeErr error
		am, err := l.UpdateArticleMap(pathID(r), func(m *ArticleMap) { decodeErr = json.Unmarshal(body, m) })
		if decodeErr != nil {
			err = decodeErr
		}
		if err != nil {
			httpfake.ControlError(w, statusOf(err), err)
			return
		}
		httpfake.WriteJSON(w, http.StatusOK, am)
	})
	m.HandleFunc("DELETE /_sandbox/article_maps/{id}", func(w http.ResponseWriter, r *http.Request) {
		if err := l.DeleteArticleMap(pathID(r)); err != nil {
			httpfake.ControlError(w, statusOf(err), err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("POST /_sandbox/stores", func(w http.ResponseWriter, r *http.Request) {
		if httpfake.ForEachInBody(w, r, l.AddStore) {
			httpfake.WriteJSON(w, http.StatusCreated, l.Snapshot().Stores)
		}
	})
	m.HandleFunc("POST /_sandbox/sales_orders", func(w http.ResponseWriter, r *http.Request) {
		var body map[string]json.RawMessage
		if err := httpfake.ReadJSON(r, &body); err != nil {
			httpfake.ControlError(w, http.StatusBadRequest, err)
			return
		}
		if inner, ok := body["sales_order"]; ok { // the API's wrapper is optional here
			body = nil
			if err := json.Unmarshal(inner, &body); err != nil {
				httpfake.ControlError(w, http.StatusBadRequest, err)
				return
			}
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		o, verr := l.createSalesOrderLocked(body)
		if verr != nil {
			httpfake.WriteJSON(w, http.StatusBadRequest, map[string]any{"code": 400, "message": "Validation Failed", "errors": verr.Fields})
			return
		}
		httpfake.WriteJSON(w, http.StatusCreated, l.renderSalesOrderLocked(o))
	})
	m.HandleFunc("POST /_sandbox/sales_orders/{code}/ship", func(w http.ResponseWriter, r *http.Request) {
		var opts ShipOptions
		if err := httpfake.ReadJSON(r, &opts); err != nil {
			httpfake.ControlError(w, http.StatusBadRequest, err)
			return
		}
		l.respondOrder(w, r.PathValue("code"), func(code string) (string, error) {
			o, err := l.ShipSalesOrder(code, opts)
			return o.Code, err
		})
	})
	m.HandleFunc("POST /_sandbox/sales_orders/{code}/working", func(w http.ResponseWriter, r *http.Request) {
		l.respondOrder(w, r.PathValue("code"), func(code string) (string, error) {
			return code, l.MarkDeliveryWorking(code)
		})
	})
	m.HandleFunc("POST /_sandbox/sales_orders/{code}/delivery_status", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			DeliveryStatus string `json:"delivery_status"`
		}
		if err := httpfake.ReadJSON(r, &body); err != nil {
			httpfake.ControlError(w, http.StatusBadRequest, err)
			return
		}
		l.respondOrder(w, r.PathValue("code"), func(code string) (string, error) {
			return code, l.SetDeliveryStatus(code, body.DeliveryStatus)
		})
	})
	m.HandleFunc("POST /_sandbox/sales_orders/{code}/reversal", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			ClearsCode bool `json:"clears_code"`
		}
		if err := httpfake.ReadJSON(r, &body); err != nil {
			httpfake.ControlError(w, http.StatusBadRequest, err)
			return
		}
		l.respondOrder(w, r.PathValue("code"), func(code string) (string, error) {
			o, err := l.ReverseSalesOrder(code, body.ClearsCode)
			return o.Code, err
		})
	})
	m.HandleFunc("PUT /_sandbox/sales_orders/{code}", func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if err := httpfake.ReadJSON(r, &body); err != nil {
			httpfake.ControlError(w, http.StatusBadRequest, err)
			return
		}
		if inner, ok := body["sales_order"].(map[string]any); ok { // the API's wrapper is optional here
			body = inner
		}
		l.respondOrder(w, r.PathValue("code"), func(code string) (string, error) {
			o, err := l.EditInLogiless(code, body)
			return o.Code, err
		})
	})
	m.HandleFunc("POST /_sandbox/sales_orders/{code}/unship", func(w http.ResponseWriter, r *http.Request) {
		l.respondOrder(w, r.PathValue("code"), func(code string) (string, error) {
			o, err := l.ReturnToWorking(code)
			return o.Code, err
		})
	})
	m.HandleFunc("POST /_sandbox/authorization_code", func(w http.ResponseWriter, r *http.Request) {
		httpfake.WriteJSON(w, http.StatusOK, map[string]any{
			"code": l.IssueAuthorizationCode(), "client_id": l.cfg.ClientID, "redirect_uri": l.cfg.RedirectURI,
			"expires_in": int(l.cfg.AuthorizationCodeTTL.Seconds()),
		})
	})
	m.HandleFunc("POST /_sandbox/tokens", func(w http.ResponseWriter, r *http.Request) {
		httpfake.WriteJSON(w, http.StatusOK, l.IssueTokens())
	})
	m.HandleFunc("POST /_sandbox/expire_tokens", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Refresh bool `json:"refresh"`
		}
		if err := httpfake.ReadJSON(r, &body); err != nil {
			httpfake.ControlError(w, http.StatusBadRequest, err)
			return
		}
		l.ExpireAccessTokens()
		if body.Refresh {
			l.ExpireRefreshTokens()
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// respondOrder runs op on the order code and answers with the order, as the
// API renders it, under the code op returns (a clears_code reversal renames
// the order).
func (l *Server) respondOrder(w http.ResponseWriter, code string, op func(code string) (string, error)) {
	code, err := op(code)
	if err != nil {
		status := http.StatusBadRequest
		var le *lockedError
		switch {
		case errors.Is(err, ErrNotFound):
			status = http.StatusNotFound
		case errors.As(err, &le):
			status = http.StatusLocked
		}
		httpfake.ControlError(w, status, err)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	httpfake.WriteJSON(w, http.StatusOK, l.renderSalesOrderLocked(l.orderByCodeLocked(code)))
}

// pathID is the {id} of a control path; 0 (never an id) when it is not a
// number.
func pathID(r *http.Request) int64 {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id
}

// statusOf is the control status for err: 404 for a missing record, else
// 400.
func statusOf(err error) int {
	if errors.Is(err, ErrNotFound) {
		return http.StatusNotFound
	}
	return http.StatusBadRequest
}
