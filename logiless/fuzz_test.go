package logiless

import (
	"testing"
)

func FuzzDecodeSalesOrder(f *testing.F) {
	for _, seed := range []string{
		`{"id":1,"code":"A-1","document_status":"Processing"}`,
		`{"sales_order":{"id":"1","code":"A","status":"Shipped","store":{"id":"2"},"lines":[{"id":"3","quantity":"1,000","article":{"code":"X"}}]}}`,
		`{"data":{"id":1,"store":4,"outbound_deliveries":[{"delivery_tracking_numbers":"1,2","finished_at":"2026-01-01 00:00:00","lines":[{"origin":7}]}]}}`,
		`{"id":null,"updated_at":"0000-00-00 00:00:00","waiting_for_confirmation":true}`,
		`{"id":1e30}`, `[]`, `null`, `{"lines":{}}`, `{"store":[1]}`, `{"finished_at":"2026-13-45 99:99:99"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		so, err := decodeSalesOrder(data)
		if err != nil {
			return
		}
		for _, od := range so.OutboundDeliveries {
			for _, n := range od.TrackingNumbers {
				if n == "" {
					t.Fatalf("empty tracking number decoded from %q", data)
				}
			}
		}
		_, _ = decodeList[wireSalesOrder](data)
	})
}

func FuzzDecodeErrorBody(f *testing.F) {
	for _, seed := range []string{
		`{"code":400,"message":"Validation Failed","errors":{"code":"taken","lines":[{"quantity":["a","b"]}]}}`,
		`{"error":"invalid_grant","error_description":"expired"}`,
		`<html>oops</html>`, ``, `{`, `{"errors":[[[[1]]]]}`, `{"errors":{"":{"":null}}}`, `{"error":{"x":[1,2]},"message":true}`,
	} {
		f.Add(400, []byte(seed))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		se := parseErrorBody(status, body)
		if se == nil || se.StatusCode != status {
			t.Fatalf("parseErrorBody(%d) = %+v", status, se)
		}
		_ = se.Error()
		_ = IsDuplicateCode(se)
	})
}
