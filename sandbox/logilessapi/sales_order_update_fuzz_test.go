package logilessapi

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/ecforce-logiless/connector/sandbox/internal/sandboxtest"
)

// FuzzApplyUpdate feeds arbitrary PUT bodies to the fake's update: it never
// panics, never changes what PUT cannot change (code, store, lines,
// statuses of the documents), and a refused body changes nothing.
func FuzzApplyUpdate(f *testing.F) {
	for _, seed := range []string{
		`{"incoming_payment_status":"Paid"}`, `{"incoming_payment_status":7}`, `{"recipient_name1":""}`,
		`{"attr3":"x","tags":["a"]}`, `{"tags":null}`, `{"tags":"a"}`, `{"use_point":"12"}`, `{"use_point":-1}`,
		`{"delivery_preferred_date":"2026-02-30"}`, `{"code":"X","lines":[]}`, `{"buyer_comment":"x"}`, `{}`,
		`{"attr11":"x","attr0":"y","attr":"z"}`, `{"recipient_address1":{"a":1}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var raw map[string]json.RawMessage
		if json.Unmarshal(data, &raw) != nil {
			return
		}
		srv := New(Config{Logger: sandboxtest.QuietLogger})
		if _, err := srv.SeedArticle(Article{Code: "A-1", Name: "商品A"}); err != nil {
			t.Fatal(err)
		}
		o, err := srv.SeedSalesOrder(sandboxtest.ValidSalesOrder("FZ-1"))
		if err != nil {
			t.Fatal(err)
		}
		srv.mu.Lock()
		held := srv.orderByCodeLocked("FZ-1")
		verr := srv.applyUpdateLocked(held, raw)
		after := cloneSalesOrder(held)
		srv.mu.Unlock()
		if verr != nil && !reflect.DeepEqual(after, o) {
			t.Fatalf("a refused update (%v) changed the order", verr)
		}
		if after.Code != o.Code || after.Store != o.Store || after.DocumentStatus != o.DocumentStatus ||
			after.DeliveryStatus != o.DeliveryStatus || !reflect.DeepEqual(after.Lines, o.Lines) || after.BuyerComment != o.BuyerComment {
			t.Fatalf("%s changed what PUT cannot change", data)
		}
	})
}
