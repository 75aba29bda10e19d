package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/converter"

	"github.com/ecforce-logiless/connector/stocksync"
)

// Activity type names of ReconcileStock whose results carry its progress.
const (
	planStockSyncActivity      = "PlanStockSync"
	reconcileStockPageActivity = "ReconcileStockPage"
)

// stockPass is how far a stock sync is, read from what ReconcileStock
// records anyway: the running totals a continued run gets as its input,
// the plan's and every finished page's result in the run's history, and the
// running page's heartbeat (everything up to its cursor is done).
type stockPass struct {
	planned    bool
	mode       string
	mappedSKUs int
	pages      int // finished pages
	pageRead   int // SKUs read by the finished pages
	read       int // pageRead plus what the running page has done
	startedAt  time.Time
	retrying   []string
}

// The parts of ReconcileStock's input, of PlanStockSync's and
// ReconcileStockPage's results and of the page's heartbeat that stockPass
// reads, decoded by field name from the recorded payloads.
type (
	stockInputProgress struct {
		Progress *struct {
			StartedAt time.Time
			Result    struct {
				Mode       string
				MappedSKUs int
				Pages      int
				Read       int
			}
		}
	}
	stockPlanCounts struct {
		Disabled   bool
		Mode       string
		MappedSKUs int
	}
	stockPageCounts struct {
		Summary  struct{ Read int }
		NeedFull bool
	}
)

// readStockPass reads the progress of the stock sync whose latest run snap
// describes.
func (s *session) readStockPass(ctx context.Context, id string, snap runSnapshot) (stockPass, error) {
	var events []*historypb.HistoryEvent
	iter := s.client.GetWorkflowHistory(ctx, id, snap.runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			return stockPass{}, err
		}
		events = append(events, ev)
	}
	dc := s.dataConverter()
	p := stockPassFromHistory(events, snap.started, dc)
	p.addRunningPage(snap, dc)
	return p, nil
}

// stockPassFromHistory adds up a run's history; runStart is the run's
// start, the sync's start unless the run continues an earlier one; dc
// decodes its payloads.
func stockPassFromHistory(events []*historypb.HistoryEvent, runStart time.Time, dc converter.DataConverter) stockPass {
	p := stockPass{startedAt: runStart}
	activityType := map[int64]string{}
	for _, ev := range events {
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
			var in stockInputProgress
			if decodeFirst(dc, ev.GetWorkflowExecutionStartedEventAttributes().GetInput(), &in) && in.Progress != nil {
				r := in.Progress.Result
				p.planned, p.mode, p.mappedSKUs = true, r.Mode, r.MappedSKUs
				p.pages, p.pageRead, p.startedAt = r.Pages, r.Read, in.Progress.StartedAt
			}
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			activityType[ev.GetEventId()] = ev.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName()
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
			attrs := ev.GetActivityTaskCompletedEventAttributes()
			switch activityType[attrs.GetScheduledEventId()] {
			case planStockSyncActivity:
				var plan stockPlanCounts
				if decodeFirst(dc, attrs.GetResult(), &plan) && !plan.Disabled {
					p.planned, p.mode, p.mappedSKUs = true, plan.Mode, plan.MappedSKUs
				}
			case reconcileStockPageActivity:
				var page stockPageCounts
				if !decodeFirst(dc, attrs.GetResult(), &page) {
					continue
				}
				if page.NeedFull {
					p.mode = stocksync.ModeFull // the workflow switches to a full pass
					continue
				}
				p.pages++
				p.pageRead += page.Summary.Read
			}
		}
	}
	p.read = p.pageRead
	return p
}

// addRunningPage adds the running page's heartbeat and notes retries.
func (p *stockPass) addRunningPage(snap runSnapshot, dc converter.DataConverter) {
	for _, a := range snap.pending {
		if a.GetActivityType().GetName() != reconcileStockPageActivity {
			continue
		}
		var hb stockPageCounts
		if decodeFirst(dc, a.GetHeartbeatDetails(), &hb) {
			p.read += hb.Summary.Read
		}
	}
	p.retrying = retrying(snap.pending, dc)
}

func decodeFirst(dc converter.DataConverter, payloads *commonpb.Payloads, v any) bool {
	return len(payloads.GetPayloads()) > 0 && dc.FromPayload(payloads.GetPayloads()[0], v) == nil
}

// line is the pass's progress for people at now: pages done of total, SKUs
// read, rate and ETA (the total is known for a full pass only), time so far.
func (p stockPass) line(now time.Time) (text, key string) {
	elapsed := now.Sub(p.startedAt)
	if !p.planned {
		return "planning the stock sync · " + formatElapsed(elapsed), "planning"
	}
	var parts []string
	rate := 0.0
	if m := elapsed.Minutes(); m > 0 {
		rate = float64(p.read) / m
	}
	if p.mode == stocksync.ModeFull && p.mappedSKUs > 0 {
		pageSize := stocksync.DefaultPageSize
		if p.pages > 0 && p.pageRead > 0 {
			pageSize = (p.pageRead + p.pages - 1) / p.pages
		}
		total := max((p.mappedSKUs+pageSize-1)/pageSize, p.pages)
		parts = append(parts,
			fmt.Sprintf("full pass: %d/%d pages", p.pages, total),
			fmt.Sprintf("%s/%s SKUs (%d%%)", thousands(p.read), thousands(p.mappedSKUs), 100*min(p.read, p.mappedSKUs)/p.mappedSKUs))
		if rate > 0 {
			parts = append(parts, fmt.Sprintf("%s SKUs/min", thousands(int(rate+0.5))))
			left := time.Duration(float64(max(p.mappedSKUs-p.read, 0)) / rate * float64(time.Minute))
			parts = append(parts, fmt.Sprintf("ETA %s (in %s)", now.Add(left).In(jst).Format("15:04 MST"), formatElapsed(left)))
		}
	} else {
		parts = append(parts,
			fmt.Sprintf("%s pass: %d pages done", p.mode, p.pages),
			fmt.Sprintf("%s SKUs read", thousands(p.read)))
		if rate > 0 {
			parts = append(parts, fmt.Sprintf("%s SKUs/min", thousands(int(rate+0.5))))
		}
	}
	parts = append(parts, p.retrying...)
	key = fmt.Sprintf("%s %d %s", p.mode, p.pages, strings.Join(p.retrying, " "))
	return strings.Join(append(parts, formatElapsed(elapsed)), " · "), key
}

// stockSyncProgress is the progressFunc of a stock sync.
func stockSyncProgress(ctx context.Context, s *session, id string, snap runSnapshot, _ time.Duration) (string, string) {
	p, err := s.readStockPass(ctx, id, snap)
	if err != nil {
		return "running (progress unreadable: " + oneLine(err.Error()) + ")", "unreadable"
	}
	return p.line(time.Now())
}

// thousands prints n with commas between thousands.
func thousands(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
