package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/ecforce-logiless/connector/stocksync"
)

// The texts of Temporal's user metadata, which the Web UI shows on every
// run: a run's static summary (set by whoever starts it: a discovery for
// its per-order children, the starter, a schedule), the summary of each
// activity step, and the run's current details (what it is doing or
// waiting for, and why it stopped). They name orders, SKUs and shops, never
// a person: no name, address, e-mail or phone number goes in here.

// RunSummary is the static summary of a run of a flow: for one order
// (orderNumber set) `受注 EC00010008 → LOGILESS` or
// `出荷通知 EC00010008 → ecforce`; for a shop's discovery or stock sync
// `受注取込 demo: ecforce → LOGILESS` and the like.
func RunSummary(flow, shop, orderNumber string) string {
	switch {
	case flow == FlowOrderImport && orderNumber != "":
		return "受注 " + orderNumber + " → LOGILESS"
	case flow == FlowShipmentNotification && orderNumber != "":
		return "出荷通知 " + orderNumber + " → ecforce"
	case flow == FlowOrderChange:
		return "受注の変更 " + orderNumber + " → LOGILESS"
	case flow == FlowOrderImport:
		return "受注取込 " + shop + ": ecforce → LOGILESS"
	case flow == FlowShipmentNotification:
		return "出荷通知 " + shop + ": LOGILESS → ecforce"
	case flow == FlowStockSync:
		return "在庫連動 " + shop + ": LOGILESS → ecforce"
	}
	return flow + " " + shop + " " + orderNumber
}

// Summaries of the activity steps, as the Web UI lists them in a run's
// history.
const (
	stepShopSwitches     = "設定を読み込み"
	stepListImports      = "取込対象の受注を一覧"
	stepCreateSalesOrder = "受注伝票を作成"
	stepSetState         = "対応状況を変更"
	stepApplyOrderEdit   = "受注の変更を反映"
	stepReadOrderChange  = "受注の変更を確認"
	stepApplyOrderChange = "受注伝票に変更を反映"
	stepFindOrderChanges = "キャンセル・入金済みの受注を一覧"
	stepListShipments    = "出荷済みの受注を一覧"
	stepPrepareShipment  = "出荷情報を確認"
	stepUpdateShipping   = "出荷情報を書き込み"
	stepCaptureSales     = "売上処理"
	stepPlanStockSync    = "在庫連動を計画"
	stepRecordStockSync  = "在庫連動を記録"
	stepStockPagePrefix  = "在庫 page "
)

// step is ctx with the activity options opts and the step's summary.
func step(ctx workflow.Context, opts workflow.ActivityOptions, summary string) workflow.Context {
	opts.Summary = summary
	return workflow.WithActivityOptions(ctx, opts)
}

// doing sets the run's current details: what it is doing or waiting for.
// A run a Schedule started says so first, with its start in JST: its
// workflow ID carries Temporal's UTC timestamp, its details the time people
// read.
func doing(ctx workflow.Context, format string, args ...any) {
	details := fmt.Sprintf(format, args...)
	if isScheduledRun(ctx) {
		details = "scheduled run of " + workflow.GetInfo(ctx).WorkflowStartTime.In(jst).Format("2006-01-02 15:04:05 JST") + ": " + details
	}
	workflow.SetCurrentDetails(ctx, details)
}

// isScheduledRun reports whether a Temporal Schedule started the run (it
// sets TemporalScheduledById on its runs).
func isScheduledRun(ctx workflow.Context) bool {
	sa := workflow.GetInfo(ctx).SearchAttributes
	return sa != nil && sa.GetIndexedFields()[scheduledByAttribute] != nil
}

// stockPageSummary is the summary of the next page of a stock pass:
// `在庫 page 4/20` (full pass; the total is estimated from the mapped SKUs
// and the rows the pages so far read) or `在庫 page 4` (incremental pass,
// whose total is not known up front).
func stockPageSummary(p *ReconcileStockProgress) string {
	next := p.Result.Pages + 1
	if total := stockPagesTotal(p); total > 0 {
		return fmt.Sprintf("%s%d/%d", stepStockPagePrefix, next, max(total, next))
	}
	return fmt.Sprintf("%s%d", stepStockPagePrefix, next)
}

// stockPagesTotal estimates the pages of a full pass, 0 when unknown.
func stockPagesTotal(p *ReconcileStockProgress) int {
	r := p.Result
	if r.Mode != stocksync.ModeFull || r.MappedSKUs <= 0 {
		return 0
	}
	perPage := stocksync.DefaultPageSize
	if r.Pages > 0 && r.Read > 0 {
		perPage = max(1, (r.Read+r.Pages-1)/r.Pages)
	}
	return (r.MappedSKUs + perPage - 1) / perPage
}
