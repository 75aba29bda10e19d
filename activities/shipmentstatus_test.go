package activities

import (
	"strconv"
	"strings"
	"testing"

	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

func TestSetShipmentStatus(t *testing.T) {
	tests := []struct {
		name        string
		state       string
		whenRead    string
		target      string // "" = shipped
		applied500  bool   // the write is applied, then answered 500
		wantChanged bool
		wantSkip    string
		wantPUTs    int
		wantErrType string
	}{
		{name: "changes the state", state: "complete", whenRead: "complete", wantChanged: true, wantPUTs: 1},
		{name: "already there", state: "shipped", whenRead: "shipped", wantSkip: "already"},
		{name: "a retry reads first", state: "shipped", wantSkip: "already"},
		{name: "a cancelled order is left alone", state: "canceled", whenRead: "canceled", wantSkip: "cancelled"},
		{name: "a 500 after the write: confirmed by reading", state: "complete", whenRead: "complete", wantChanged: true, wantPUTs: 1,
			applied500: true},
		{name: "an unknown key is a clear non-retryable error", state: "complete", whenRead: "complete", wantPUTs: 1, wantErrType: ErrTypeStateChangeNotApplied,
			target: "nosuchkey"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newShipmentFixture(t, ecforceapi.Config{}, nil)
			id := f.order(t, ecforceapi.OrderSeed{Number: "EC1", State: tt.state})
			if tt.applied500 {
				f.ec.InjectFault(httpfake.Fault{Method: "PUT", PathPrefix: "/api/v2/admin/orders/" + strconv.FormatInt(id, 10), AfterApply: true, Status: 500})
			}
			target := tt.target
			if target == "" {
				target = "shipped"
			}
			f.resetCounts()
			res, err := runActivity[SetShipmentStatusResult](t, activityEnv(f.a), f.a.SetShipmentStatus, SetShipmentStatusInput{
				Shop: "demo", OrderNumber: "EC1", OrderID: id, State: target, StateWhenRead: tt.whenRead,
			})
			if n := f.ecCalls(ecPutOrder); n != tt.wantPUTs {
				t.Errorf("%d state writes, want %d", n, tt.wantPUTs)
			}
			if tt.wantErrType != "" {
				if typ, retry := appErrType(err); typ != tt.wantErrType || retry || !strings.Contains(err.Error(), "status_after") {
					t.Fatalf("error = %v, want non-retryable %s pointing at status_after", err, tt.wantErrType)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Changed != tt.wantChanged || !strings.Contains(res.SkippedBecause, tt.wantSkip) {
				t.Errorf("result = %+v", res)
			}
			if o, _ := f.ec.Order(id); tt.wantChanged && o.State != "shipped" {
				t.Errorf("ecforce has state %q, want shipped", o.State)
			}
		})
	}
}
