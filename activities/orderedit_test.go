package activities

import (
	"strings"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/httpfake"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
)

func TestApplyOrderEdit(t *testing.T) {
	tests := []struct {
		name        string
		edit        func(*ecforceapi.Order)
		before      func(t *testing.T, f *importFixture) // LOGILESS side, after the import
		imported    bool
		wantUpdated string
		wantBlocked []string // parts of the message
		wantClosed  bool
		wantNotImp  bool
		wantPUTs    int
	}{
		{name: "nothing changed", imported: true},
		{name: "address edited", imported: true, edit: func(o *ecforceapi.Order) { o.ShippingAddress.Addr01 = "大阪府大阪市北区1-1" },
			wantUpdated: "recipient_address1", wantPUTs: 1},
		{name: "never imported", wantNotImp: true, edit: func(o *ecforceapi.Order) { o.ShippingAddress.Addr01 = "x" }},
		{name: "cancelled in ecforce", imported: true, wantClosed: true, edit: func(o *ecforceapi.Order) { o.State = "canceled" }},
		{name: "shipped and notified: no LOGILESS call", imported: true, wantClosed: true, edit: func(o *ecforceapi.Order) {
			o.ShippingSlip, o.ShippedAt = "438000000001", time.Now()
		}},
		{name: "shipped in LOGILESS", imported: true, wantClosed: true, edit: func(o *ecforceapi.Order) { o.ShippingAddress.Addr01 = "x" },
			before: func(t *testing.T, f *importFixture) {
				if _, err := f.ll.ShipSalesOrder("EC00000001", logilessapi.ShipOptions{}); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "the warehouse starts between read and write (423)", imported: true,
			edit: func(o *ecforceapi.Order) { o.ShippingAddress.Addr01 = "x" },
			before: func(t *testing.T, f *importFixture) {
				f.ll.InjectFault(httpfake.Fault{Method: "PUT", PathPrefix: llSalesOrderPath + "/", Status: 423,
					Body: `{"error":"locked","error_description":"working"}`})
			},
			wantBlocked: []string{"EC00000001", "出荷作業中", "recipient_address1", "docs/errors.md#editneedsoperator"}, wantPUTs: 1},
		{name: "remark edited: not writable", imported: true, edit: func(o *ecforceapi.Order) { o.Remark = "新しい備考" },
			wantBlocked: []string{"buyer_comment"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newImportFixture(t, []ecforceapi.OrderSeed{importSeed(1, "A", nil)}, nil)
			if err := f.ll.SetFreeStock("ART-A", 10); err != nil {
				t.Fatal(err)
			}
			id := f.ids["EC00000001"]
			if tt.imported {
				if _, err := runActivity[CreateSalesOrderResult](t, activityEnv(f.a), f.a.CreateSalesOrder,
					CreateSalesOrderInput{Shop: "demo", OrderNumber: "EC00000001", OrderID: id}); err != nil {
					t.Fatal(err)
				}
			}
			if tt.before != nil {
				tt.before(t, f)
			}
			if tt.edit != nil {
				if _, err := f.ec.EditOrder(id, tt.edit); err != nil {
					t.Fatal(err)
				}
			}
			f.resetCounts()
			res, err := runActivity[ApplyOrderEditResult](t, activityEnv(f.a), f.a.ApplyOrderEdit,
				ApplyOrderEditInput{Shop: "demo", OrderNumber: "EC00000001", OrderID: id})
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(res.Updated, ",") != tt.wantUpdated || res.Closed != tt.wantClosed || res.NotImported != tt.wantNotImp {
				t.Errorf("result %+v", res)
			}
			for _, part := range tt.wantBlocked {
				if !strings.Contains(res.Blocked, part) {
					t.Errorf("blocked %q lacks %q", res.Blocked, part)
				}
			}
			if len(tt.wantBlocked) == 0 && res.Blocked != "" {
				t.Errorf("blocked %q, want nothing", res.Blocked)
			}
			if strings.Contains(res.Blocked, "大阪") || strings.Contains(res.Blocked, "新しい備考") {
				t.Errorf("the message carries personal data: %q", res.Blocked)
			}
			if n := f.ll.RequestCounts()["PUT /api/v1/merchant/{id}/sales_orders/{id}"]; n != tt.wantPUTs {
				t.Errorf("%d PUTs, want %d", n, tt.wantPUTs)
			}
			if tt.name == "shipped and notified: no LOGILESS call" && len(f.ll.RequestCounts()) != 0 {
				t.Errorf("LOGILESS calls %v for an order ecforce has shipped", f.ll.RequestCounts())
			}
			if tt.wantUpdated != "" && res.LastWrite.IsZero() {
				t.Error("no last write recorded after a PUT")
			}
		})
	}
}
