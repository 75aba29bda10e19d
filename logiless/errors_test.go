package logiless

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/ecforce-logiless/connector/httpapi"
	"github.com/ecforce-logiless/connector/sandbox/httpfake"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
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
		setup         func(f *testLogiless, c *Client, in *SalesOrderInput)
		wantStatus    int
		wantDuplicate bool
		wantRetryable bool
		wantText      []string
	}{
		{"duplicate code", func(f *testLogiless, c *Client, in *SalesOrderInput) {
			if _, err := c.CreateSalesOrder(context.Background(), *in); err != nil {
				t.Fatal(err)
			}
		}, 400, true, false, []string{"EC-1001", "code: この受注コードは既に使用されています", "fix"}},
		{"other field error", func(f *testLogiless, c *Client, in *SalesOrderInput) { in.DeliveryMethod = "no_such_method" },
			400, false, false, []string{"delivery_method: "}},
		{"line code is not the order code", func(f *testLogiless, c *Client, in *SalesOrderInput) {
			f.answer("POST", "/sales_orders/new", 1, 400, `{"code":400,"message":"Validation Failed","errors":{"lines":[{"code":"bad"}]}}`)
		}, 400, false, false, []string{"lines.0.code: bad"}},
		{"locked", func(f *testLogiless, c *Client, in *SalesOrderInput) {
			f.answer("POST", "/sales_orders/new", 1, 423, `{"error":"locked","error_description":"document status"}`)
		}, 423, false, false, []string{"HTTP 423", "status does not allow"}},
		{"server error is not resent", func(f *testLogiless, c *Client, in *SalesOrderInput) {
			f.InjectFault(httpfake.Fault{Method: "POST", PathPrefix: merchantPrefix + "/sales_orders/new", AfterApply: true, Status: 500})
		}, 500, false, true, []string{"may or may not", "look the record up"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c, _ := authedClient(t)
			if err := f.AddStore(logilessapi.Store{ID: 7, Name: "ecforce"}); err != nil {
				t.Fatal(err)
			}
			in := sampleInput()
			tt.setup(f, c, &in)
			before := f.count("POST", "/sales_orders/new")
			_, err := c.CreateSalesOrder(context.Background(), in)
			if !httpapi.IsStatus(err, tt.wantStatus) {
				t.Fatalf("err = %v, want HTTP %d", err, tt.wantStatus)
			}
			if IsDuplicateCode(err) != tt.wantDuplicate {
				t.Errorf("IsDuplicateCode = %v", !tt.wantDuplicate)
			}
			if httpapi.Retryable(err) != tt.wantRetryable {
				t.Errorf("Retryable = %v", !tt.wantRetryable)
			}
			if httpapi.Rejected(err) != (tt.wantStatus == 400) {
				t.Errorf("Rejected = %v", !(tt.wantStatus == 400))
			}
			for _, s := range tt.wantText {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
			if got := f.count("POST", "/sales_orders/new") - before; got != 1 {
				t.Errorf("requests = %d, want 1", got)
			}
		})
	}
}

func TestReadsRetryServerErrors(t *testing.T) {
	tests := []struct {
		name     string
		method   string
		resource string
		call     func(*Client) error
	}{
		{"GET", "GET", orderPath, func(c *Client) error { return getOrder(context.Background(), c) }},
		{"search POST", "POST", "/sales_orders/search", func(c *Client) error {
			_, err := c.SearchSalesOrdersByCode(context.Background(), []string{"A-1"})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" recovers", func(t *testing.T) {
			f, c, _ := authedClient(t)
			f.answer(tt.method, tt.resource, 2, 500, `{"error":"server_error","error_description":"oops"}`)
			if err := tt.call(c); err != nil {
				t.Fatal(err)
			}
			if got := f.count(tt.method, tt.resource); got != 3 {
				t.Errorf("requests = %d, want 3", got)
			}
		})
		t.Run(tt.name+" gives up after MaxRetries", func(t *testing.T) {
			f, c, _ := authedClient(t)
			f.answer(tt.method, tt.resource, -1, 500, `{"error":"server_error","error_description":"oops"}`)
			err := tt.call(c)
			if !httpapi.IsStatus(err, 500) || !httpapi.Retryable(err) {
				t.Fatalf("err = %v, want a retryable 500", err)
			}
			if got := f.count(tt.method, tt.resource); got != 4 {
				t.Errorf("requests = %d, want 4 (1 + the default 3 retries)", got)
			}
		})
	}
}

func TestMalformedSuccessBody(t *testing.T) {
	f, c, _ := authedClient(t)
	f.InjectFault(httpfake.Fault{Method: "GET", PathPrefix: merchantPrefix + orderPath, Times: -1, Malformed: true})
	// Taken after the fault above, so it serves only the list.
	f.answer("GET", "/sales_orders", -1, 200, `<html>maintenance</html>`)
	f.answer("POST", "/sales_orders/new", -1, 201, `{"id":"abc","buyer_name1":"山田"}`)
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

func TestNewValidatesConfig(t *testing.T) {
	_, err := New(Config{Shop: "s", BaseURL: "ftp://x", Tokens: nil})
	for _, want := range []string{"MerchantID", "ClientID", "ClientSecret", "Tokens", "BaseURL"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to mention %s", err, want)
		}
	}
}
