package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	failurepb "go.temporal.io/api/failure/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"

	"github.com/ecforce-logiless/connector/sandbox"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
)

// personalData is every name, address, phone number and e-mail address the
// sandboxes of this run held, gathered as each sandbox closes, for the scan
// of every history at the end of the run (scanHistoriesForPersonalData).
var personalData = struct {
	sync.Mutex
	values map[string]string // value → where it was, e.g. "shipping address of order EC10001"
}{values: map[string]string{}}

// minPersonalBytes skips pieces too short to tell apart from other text
// ("03", a prefecture code); the joined forms (03-1234-5678) are kept.
// Values of only digits and hyphens (a house number "1-2-3") need
// minNumericBytes, as short ones occur in ids by chance.
const (
	minPersonalBytes = 4
	minNumericBytes  = 7
)

func distinctive(v string) bool {
	if len(v) < minPersonalBytes || !utf8.ValidString(v) {
		return false
	}
	numeric := strings.Trim(v, "0123456789-") == ""
	return !numeric || len(v) >= minNumericBytes
}

// recordPersonalData remembers the personal data of the orders of one
// sandbox: the ecforce customers' and the LOGILESS buyers and recipients.
func recordPersonalData(sb *sandbox.Servers) {
	personalData.Lock()
	defer personalData.Unlock()
	add := func(where string, values ...string) {
		for _, v := range values {
			if distinctive(v) {
				personalData.values[v] = where
			}
		}
	}
	address := func(where string, a ecforceapi.Address) {
		add(where, a.Name01, a.Name02, a.Kana01, a.Kana02, a.CompanyName, a.Addr01, a.Addr02, a.Addr03,
			a.Name01+" "+a.Name02, a.Name01+a.Name02, a.Kana01+" "+a.Kana02,
			a.Zip01+"-"+a.Zip02, a.Zip01+a.Zip02,
			a.Tel01+"-"+a.Tel02+"-"+a.Tel03, a.Tel01+a.Tel02+a.Tel03,
			a.PrefectureName+a.Addr01+a.Addr02+a.Addr03, a.Addr01+a.Addr02)
	}
	for _, o := range sb.Ecforce.Orders() {
		add("e-mail address of ecforce order "+o.Number, o.Email)
		address("shipping address of ecforce order "+o.Number, o.ShippingAddress)
		address("billing address of ecforce order "+o.Number, o.BillingAddress)
	}
	party := func(where string, p logilessapi.SalesOrderParty) {
		add(where, p.Name1, p.Name2, p.NameKana1, p.NameKana2, p.Address1, p.Address2, p.Address3, p.Phone, p.Fax, p.Email)
	}
	for _, so := range sb.Logiless.SalesOrders() {
		party("buyer of LOGILESS sales order "+so.Code, so.Buyer)
		party("recipient of LOGILESS sales order "+so.Code, so.Recipient)
	}
}

// scanHistoriesForPersonalData reads the history of every workflow run on
// the dev server (every run of this e2e run, whichever tests ran) and
// returns one line per run and personal value found in it. Histories carry
// order numbers, SKUs and amounts, never a customer's personal data.
func scanHistoriesForPersonalData(ctx context.Context, c client.Client) ([]string, error) {
	personalData.Lock()
	values := make([][]byte, 0, len(personalData.values))
	where := make(map[string]string, len(personalData.values))
	for v, w := range personalData.values {
		values = append(values, []byte(v))
		where[v] = w
	}
	personalData.Unlock()
	var found []string
	var token []byte
	runs := 0
	for {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{PageSize: 1000, NextPageToken: token})
		if err != nil {
			return nil, fmt.Errorf("list the runs: %w", err)
		}
		for _, info := range resp.GetExecutions() {
			id, runID := info.GetExecution().GetWorkflowId(), info.GetExecution().GetRunId()
			runs++
			iter := c.GetWorkflowHistory(ctx, id, runID, false, 0)
			for iter.HasNext() {
				ev, err := iter.Next()
				if err != nil {
					return nil, fmt.Errorf("history of %s/%s: %w", id, runID, err)
				}
				for _, v := range personalDataIn(ev, values) {
					found = append(found, fmt.Sprintf("%s (run %s), event %d: %q, from the %s", id, runID, ev.GetEventId(), v, where[v]))
				}
			}
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			break
		}
	}
	fmt.Fprintf(os.Stderr, "e2e: scanned the histories of %d runs for %d personal values of the sandboxes\n", runs, len(values))
	if runs == 0 && len(values) > 0 {
		return nil, fmt.Errorf("no run listed although %d sandbox values were recorded; the scan saw nothing", len(values))
	}
	sort.Strings(found)
	return found, nil
}

// personalDataIn returns the values found in one event: in its payloads
// (inputs, results, heartbeats, metadata) and its failure messages, as the
// server stores them (protobuf strings and bytes are kept verbatim).
func personalDataIn(ev *historypb.HistoryEvent, values [][]byte) []string {
	raw, err := proto.Marshal(ev)
	if err != nil {
		return []string{"(event does not marshal: " + err.Error() + ")"}
	}
	var out []string
	for _, v := range values {
		if bytes.Contains(raw, v) {
			out = append(out, string(v))
		}
	}
	return out
}

// The scan finds a name and a phone number inside a JSON payload and a
// failure message.
func TestPersonalDataScanFindsPayloadsAndFailures(t *testing.T) {
	dc := converter.GetDefaultDataConverter()
	in, err := dc.ToPayloads(map[string]string{"name": "山田 太郎", "note": "x"})
	if err != nil {
		t.Fatal(err)
	}
	ev := &historypb.HistoryEvent{EventId: 1, Attributes: &historypb.HistoryEvent_WorkflowExecutionStartedEventAttributes{
		WorkflowExecutionStartedEventAttributes: &historypb.WorkflowExecutionStartedEventAttributes{Input: in},
	}}
	failed := &historypb.HistoryEvent{EventId: 2, Attributes: &historypb.HistoryEvent_ActivityTaskFailedEventAttributes{
		ActivityTaskFailedEventAttributes: &historypb.ActivityTaskFailedEventAttributes{Failure: &failurepb.Failure{Message: "call 03-1234-5678"}},
	}}
	values := [][]byte{[]byte("山田 太郎"), []byte("03-1234-5678"), []byte("渋谷区神宮前")}
	if got := personalDataIn(ev, values); len(got) != 1 || got[0] != "山田 太郎" {
		t.Errorf("in a payload: found %q", got)
	}
	if got := personalDataIn(failed, values); len(got) != 1 || got[0] != "03-1234-5678" {
		t.Errorf("in a failure message: found %q", got)
	}
}
