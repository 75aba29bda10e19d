package logiless

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/httpapi"
)

func TestParseErrorBody(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		body        string
		wantCode    string
		wantMessage string
		wantFields  map[string]string
	}{
		{"flat validation", 400, `{"code":400,"message":"Validation Failed","errors":{"code":"already used","store":"required"}}`,
			"", "Validation Failed", map[string]string{"code": "already used", "store": "required"}},
		{"nested validation", 400, `{"code":"400","message":"Validation Failed","errors":{"lines":[{"quantity":"must be positive"},{"article_code":["required","unknown"]}],"sales_order":{"code":"taken"},"buyer_name1":["required","too long"],"x":null}}`,
			"", "Validation Failed", map[string]string{"lines.0.quantity": "must be positive", "lines.1.article_code": "required; unknown",
				"sales_order.code": "taken", "buyer_name1": "required; too long"}},
		{"errors as a list", 400, `{"message":"Validation Failed","errors":["bad json"]}`, "", "Validation Failed", map[string]string{"request": "bad json"}},
		{"oauth style", 401, `{"error":"invalid_grant","error_description":"The access token provided has expired."}`,
			"invalid_grant", "The access token provided has expired.", nil},
		{"locked", 423, `{"error":"locked","error_description":"status does not allow"}`, "locked", "status does not allow", nil},
		{"html", 502, `<html><body>Bad gateway</body></html>`, "", "<html><body>Bad gateway</body></html>", nil},
		{"empty", 503, ``, "", "Service Unavailable", nil},
		{"unknown json", 500, `{"foo":1}`, "", `{"foo":1}`, nil},
		{"odd types", 400, `{"error":{"a":1},"message":7}`, `{"a":1}`, "7", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			se := parseErrorBody(tt.status, []byte(tt.body))
			if se.StatusCode != tt.status || se.Code != tt.wantCode || se.Message != tt.wantMessage || !reflect.DeepEqual(se.FieldErrors, tt.wantFields) {
				t.Errorf("got code %q message %q fields %v\nwant code %q message %q fields %v",
					se.Code, se.Message, se.FieldErrors, tt.wantCode, tt.wantMessage, tt.wantFields)
			}
		})
	}
}

func TestCreateSalesOrderErrors(t *testing.T) {
	tests := []struct {
		name          string
		handler       http.HandlerFunc
		wantStatus    int
		wantDuplicate bool
		wantRetryable bool
		wantText      []string
		wantRequests  int
	}{
		{"duplicate code", jsonHandler(400, `{"code":400,"message":"Validation Failed","errors":{"code":"The code has already been taken."}}`),
			400, true, false, []string{"EC-1001", "code: The code has already been taken.", "fix"}, 1},
		{"other field error", jsonHandler(400, `{"code":400,"message":"Validation Failed","errors":{"delivery_method":"invalid"}}`),
			400, false, false, []string{"delivery_method: invalid"}, 1},
		{"line code is not the order code", jsonHandler(400, `{"code":400,"message":"Validation Failed","errors":{"lines":[{"code":"bad"}]}}`),
			400, false, false, []string{"lines.0.code: bad"}, 1},
		{"locked", jsonHandler(423, `{"error":"locked","error_description":"document status"}`),
			423, false, false, []string{"HTTP 423", "status does not allow"}, 1},
		{"server error is not resent", jsonHandler(500, `{"error":"server_error","error_description":"oops"}`),
			500, false, true, []string{"may or may not", "look the record up"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c, _ := authedClient(t)
			f.handle("POST", "/sales_orders/new", tt.handler)
			_, err := c.CreateSalesOrder(context.Background(), sampleInput())
			if !httpapi.IsStatus(err, tt.wantStatus) {
				t.Fatalf("err = %v, want HTTP %d", err, tt.wantStatus)
			}
			if IsDuplicateCode(err) != tt.wantDuplicate {
				t.Errorf("IsDuplicateCode = %v", !tt.wantDuplicate)
			}
			if httpapi.Retryable(err) != tt.wantRetryable {
				t.Errorf("Retryable = %v", !tt.wantRetryable)
			}
			for _, s := range tt.wantText {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
			if got := f.count("POST", "/sales_orders/new"); got != tt.wantRequests {
				t.Errorf("requests = %d, want %d", got, tt.wantRequests)
			}
		})
	}
}

func TestReadsRetryServerErrors(t *testing.T) {
	fail := jsonHandler(500, `{"error":"server_error","error_description":"oops"}`)
	tests := []struct {
		name     string
		method   string
		resource string
		call     func(*Client) error
	}{
		{"GET", "GET", "/sales_orders/1", func(c *Client) error { return getOrder(context.Background(), c) }},
		{"search POST", "POST", "/sales_orders/search", func(c *Client) error {
			_, err := c.SearchSalesOrdersByCode(context.Background(), []string{"A-1"})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" recovers", func(t *testing.T) {
			f, c, _ := authedClient(t)
			ok := jsonHandler(200, `{"data":[],"id":1,"code":"A-1"}`)
			f.handle(tt.method, tt.resource, sequence(fail, fail, ok))
			if err := tt.call(c); err != nil {
				t.Fatal(err)
			}
			if got := f.count(tt.method, tt.resource); got != 3 {
				t.Errorf("requests = %d, want 3", got)
			}
		})
		t.Run(tt.name+" gives up after MaxRetries", func(t *testing.T) {
			f, c, _ := authedClient(t)
			f.handle(tt.method, tt.resource, fail)
			err := tt.call(c)
			if !httpapi.IsStatus(err, 500) || !httpapi.Retryable(err) {
				t.Fatalf("err = %v, want a retryable 500", err)
			}
			if got := f.count(tt.method, tt.resource); got != 1+defaultMaxRetries {
				t.Errorf("requests = %d, want %d", got, 1+defaultMaxRetries)
			}
		})
	}
}

func TestRateLimit(t *testing.T) {
	t.Run("short 429 pauses the limiter, then succeeds", func(t *testing.T) {
		reset := time.Now().Add(time.Hour).Truncate(time.Second)
		// The client's clock says the reset is 300ms away.
		clock := func() time.Time { return reset.Add(-300 * time.Millisecond) }
		f, c, _ := authedClient(t, func(cfg *Config) { cfg.Now = clock })
		f.handle("GET", "/sales_orders/1", sequence(
			func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-RateLimit-Limit", "1")
				w.Header().Set("X-RateLimit-Remaining", "0")
				w.Header().Set("X-RateLimit-Reset", fmt.Sprint(reset.Unix()))
				writeJSON(w, 429, `{"error":"too_many_requests","error_description":"slow down"}`)
			},
			jsonHandler(200, orderBody)))
		start := time.Now()
		if err := getOrder(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(start); waited < 250*time.Millisecond {
			t.Errorf("retried after %v, want the limiter paused ~300ms", waited)
		}
		if f.count("GET", "/sales_orders/1") != 2 {
			t.Errorf("requests = %d, want 2", f.count("GET", "/sales_orders/1"))
		}
	})
	t.Run("long 429 is returned with RetryAfter, writes too", func(t *testing.T) {
		f, c, _ := authedClient(t)
		f.handle("POST", "/sales_orders/new", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-RateLimit-Reset", fmt.Sprint(time.Now().Add(120*time.Second).Unix()))
			writeJSON(w, 429, `{"error":"too_many_requests","error_description":"slow down"}`)
		})
		_, err := c.CreateSalesOrder(context.Background(), sampleInput())
		var se *httpapi.StatusError
		if !errors.As(err, &se) || se.StatusCode != 429 || se.RetryAfter < 100*time.Second || se.RetryAfter > 121*time.Second {
			t.Fatalf("err = %v, want a 429 StatusError with RetryAfter ~120s", err)
		}
		if !httpapi.Retryable(err) || !strings.Contains(err.Error(), "retry after") {
			t.Errorf("err = %v, want retryable and saying when", err)
		}
		if f.count("POST", "/sales_orders/new") != 1 {
			t.Error("a long 429 must not be waited out in the client")
		}
	})
	t.Run("429 without reset header defaults to 2s", func(t *testing.T) {
		_, c, _ := authedClient(t)
		se := c.statusError("GET", "/x", 429, nil, http.Header{})
		if se.RetryAfter != default429Wait {
			t.Errorf("RetryAfter = %v, want %v", se.RetryAfter, default429Wait)
		}
	})
	t.Run("a 2xx with no budget left pauses the next request", func(t *testing.T) {
		reset := time.Now().Add(time.Hour).Truncate(time.Second)
		clock := func() time.Time { return reset.Add(-200 * time.Millisecond) }
		f, c, _ := authedClient(t, func(cfg *Config) { cfg.Now = clock })
		f.handle("GET", "/sales_orders/1", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", fmt.Sprint(reset.Unix()))
			writeJSON(w, 200, orderBody)
		})
		if err := getOrder(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := getOrder(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(start); waited < 150*time.Millisecond {
			t.Errorf("second request waited %v, want ~200ms", waited)
		}
	})
}

func TestMalformedSuccessBody(t *testing.T) {
	f, c, _ := authedClient(t)
	f.handle("GET", "/sales_orders/1", jsonHandler(200, `{"id":1,"code":"A-1","lines":{`))
	f.handle("GET", "/sales_orders", jsonHandler(200, `<html>maintenance</html>`))
	f.handle("POST", "/sales_orders/new", jsonHandler(201, `{"id":"abc","buyer_name1":"山田"}`))
	err := getOrder(context.Background(), c)
	if !errors.Is(err, httpapi.ErrMalformedResponse) || !httpapi.Retryable(err) {
		t.Errorf("GET: err = %v, want ErrMalformedResponse", err)
	}
	err = c.ListSalesOrders(context.Background(), SalesOrderQuery{}, func([]SalesOrder) error { return nil })
	if !errors.Is(err, httpapi.ErrMalformedResponse) {
		t.Errorf("list: err = %v, want ErrMalformedResponse", err)
	}
	_, err = c.CreateSalesOrder(context.Background(), sampleInput())
	if !errors.Is(err, httpapi.ErrMalformedResponse) || !strings.Contains(err.Error(), "look it up by code") {
		t.Errorf("create: err = %v, want ErrMalformedResponse with advice", err)
	}
	if strings.Contains(err.Error(), "山田") {
		t.Error("a malformed body's personal data leaked into the error")
	}
}

func TestTimeoutsAndCancellation(t *testing.T) {
	slow := func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // lets the server notice the client leaving
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
		writeJSON(w, 200, orderBody)
	}
	t.Run("attempt timeout on a read is retried, then retryable", func(t *testing.T) {
		f, c, _ := authedClient(t, func(cfg *Config) { cfg.Timeout = 150 * time.Millisecond; cfg.MaxRetries = 1 })
		f.handle("GET", "/sales_orders/1", slow)
		err := getOrder(context.Background(), c)
		if err == nil || !httpapi.Retryable(err) || !strings.Contains(err.Error(), "timed out") {
			t.Fatalf("err = %v, want a retryable timeout", err)
		}
		if f.count("GET", "/sales_orders/1") != 2 {
			t.Errorf("requests = %d, want 2", f.count("GET", "/sales_orders/1"))
		}
	})
	t.Run("timeout on create is not resent", func(t *testing.T) {
		f, c, _ := authedClient(t, func(cfg *Config) { cfg.Timeout = 150 * time.Millisecond })
		f.handle("POST", "/sales_orders/new", slow)
		_, err := c.CreateSalesOrder(context.Background(), sampleInput())
		if err == nil || !httpapi.Retryable(err) || !strings.Contains(err.Error(), "may or may not") {
			t.Fatalf("err = %v", err)
		}
		if f.count("POST", "/sales_orders/new") != 1 {
			t.Errorf("requests = %d, want 1", f.count("POST", "/sales_orders/new"))
		}
	})
	t.Run("dropped connection on create is not resent", func(t *testing.T) {
		f, c, _ := authedClient(t)
		f.handle("POST", "/sales_orders/new", func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close()
			}
		})
		_, err := c.CreateSalesOrder(context.Background(), sampleInput())
		if err == nil || !httpapi.Retryable(err) || !strings.Contains(err.Error(), "may or may not") {
			t.Fatalf("err = %v", err)
		}
		if f.count("POST", "/sales_orders/new") != 1 {
			t.Errorf("requests = %d, want 1", f.count("POST", "/sales_orders/new"))
		}
	})
	t.Run("caller cancellation is final", func(t *testing.T) {
		f, c, _ := authedClient(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		f.handle("GET", "/sales_orders/1", func(w http.ResponseWriter, r *http.Request) {
			cancel() // the caller gives up while LOGILESS is working
			slow(w, r)
		})
		err := getOrder(ctx, c)
		if !errors.Is(err, context.Canceled) || httpapi.Retryable(err) {
			t.Fatalf("err = %v, want context.Canceled, not retryable", err)
		}
		if f.count("GET", "/sales_orders/1") != 1 {
			t.Errorf("requests = %d, want 1", f.count("GET", "/sales_orders/1"))
		}
	})
	t.Run("cancellation while paused by the limiter", func(t *testing.T) {
		_, c, _ := authedClient(t)
		c.limiter.PauseFor(time.Hour)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		if err := getOrder(ctx, c); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestNewValidatesConfig(t *testing.T) {
	_, err := New(Config{Shop: "s", BaseURL: "ftp://x", Tokens: nil})
	for _, want := range []string{"MerchantID", "ClientID", "ClientSecret", "Tokens", "BaseURL"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to mention %s", err, want)
		}
	}
}
