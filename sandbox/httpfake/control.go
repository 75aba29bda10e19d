package httpfake

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

// ControlMux collects a server's control endpoints. Every pattern given to
// HandleFunc is listed, in order, by GET /_sandbox/.
type ControlMux struct {
	mux       *http.ServeMux
	endpoints []string
}

// HandleFunc serves pattern (e.g. "POST /_sandbox/orders") with h and lists
// it in the index.
func (m *ControlMux) HandleFunc(pattern string, h http.HandlerFunc) {
	m.endpoints = append(m.endpoints, pattern)
	m.mux.HandleFunc(pattern, h)
}

// controlMux builds the control endpoints: the ones every server shares,
// then the server's own (DoorConfig.Control), the index and a 404 for the rest.
func (d *FrontDoor) controlMux() http.Handler {
	m := &ControlMux{mux: http.NewServeMux()}
	m.HandleFunc("GET /_sandbox/state", func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, d.cfg.State())
	})
	m.HandleFunc("GET /_sandbox/requests", func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, d.RequestCounts())
	})
	m.HandleFunc("DELETE /_sandbox/requests", func(w http.ResponseWriter, r *http.Request) {
		d.ResetRequestCounts()
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("GET /_sandbox/faults", func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, d.Faults())
	})
	m.HandleFunc("POST /_sandbox/faults", func(w http.ResponseWriter, r *http.Request) {
		if ForEachInBody(w, r, func(f Fault) error { d.InjectFault(f); return nil }) {
			WriteJSON(w, http.StatusCreated, d.Faults())
		}
	})
	m.HandleFunc("GET /_sandbox/fault_counts", func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, d.FaultCounts())
	})
	m.HandleFunc("GET /_sandbox/budget", func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, d.Budget())
	})
	m.HandleFunc("DELETE /_sandbox/faults", func(w http.ResponseWriter, r *http.Request) {
		d.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("POST /_sandbox/rate_limit", func(w http.ResponseWriter, r *http.Request) {
		var rl RateLimit
		if err := ReadJSON(r, &rl); err != nil {
			ControlError(w, http.StatusBadRequest, err)
			return
		}
		d.SetRateLimit(rl)
		WriteJSON(w, http.StatusOK, rl)
	})
	m.HandleFunc("POST /_sandbox/reset", func(w http.ResponseWriter, r *http.Request) {
		d.cfg.Reset()
		w.WriteHeader(http.StatusNoContent)
	})
	if d.cfg.Control != nil {
		d.cfg.Control(m)
	}
	m.mux.HandleFunc("GET /_sandbox/{$}", func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]any{"server": d.cfg.Name, "endpoints": m.endpoints})
	})
	m.mux.HandleFunc("GET /_sandbox", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/_sandbox/", http.StatusMovedPermanently)
	})
	m.mux.HandleFunc("/_sandbox/", func(w http.ResponseWriter, r *http.Request) {
		ControlError(w, http.StatusNotFound, fmt.Errorf("no control endpoint %s %s (GET /_sandbox/ lists them)", r.Method, r.URL.Path))
	})
	return m.mux
}

// ControlError answers a control request with {"error": err} and status.
func ControlError(w http.ResponseWriter, status int, err error) {
	WriteJSON(w, status, map[string]string{"error": err.Error()})
}

// DecodeOneOrMany decodes a body holding one JSON object or an array of them.
func DecodeOneOrMany[T any](r *http.Request) ([]T, error) {
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

// ForEachInBody decodes a control request body holding one JSON object or an
// array of them and calls apply on each, in order. At the first decoding or
// apply error it answers 400 {"error":…} and reports false (earlier items
// stay applied); when it reports true the caller writes the answer.
func ForEachInBody[T any](w http.ResponseWriter, r *http.Request, apply func(T) error) bool {
	items, err := DecodeOneOrMany[T](r)
	if err != nil {
		ControlError(w, http.StatusBadRequest, err)
		return false
	}
	for _, it := range items {
		if err := apply(it); err != nil {
			ControlError(w, http.StatusBadRequest, err)
			return false
		}
	}
	return true
}
