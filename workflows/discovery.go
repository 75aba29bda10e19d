package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/ecforce-logiless/connector/activities"
)

// The per-shop discovery loops: one long-running run per shop and flow
// (DiscoverOrders, DiscoverShipments) with a fixed workflow ID, that
// discovers what changed since its watermark every interval (default one
// minute) and continues as new before its history grows long, so the Web
// UI lists one running discovery per shop and flow instead of one run a
// minute. The hourly scheduled ImportOrders / NotifyShipments runs stay:
// they are the sweep of the whole look-back window.

// Workflow type names of the discovery loops.
const (
	DiscoverOrdersWorkflowName    = "DiscoverOrders"
	DiscoverShipmentsWorkflowName = "DiscoverShipments"
)

// DiscoverOrdersID is the workflow ID of a shop's order discovery loop.
func DiscoverOrdersID(shop string) string { return "discover-orders/" + shop }

// DiscoverShipmentsID is the workflow ID of a shop's shipment discovery
// loop.
func DiscoverShipmentsID(shop string) string { return "discover-shipments/" + shop }

// DiscoverNowSignal makes a discovery loop discover at once (a webhook, an
// operator). Signals that arrive while a discovery runs are handled by one
// more discovery right after it: one running, at most one pending.
const DiscoverNowSignal = "discover-now"

// DiscoverNow is the payload of DiscoverNowSignal. Every field is
// optional; a named order (ecforce id or 受注番号) is handled first.
type DiscoverNow struct {
	// Event is what triggered it, e.g. the ecforce webhook event
	// (order_completed, order_canceled).
	Event       string
	OrderID     int64
	OrderNumber string
}

// DiscoveryInput starts a discovery loop: Shop alone for a fresh loop;
// State is carried over by continue-as-new.
type DiscoveryInput struct {
	Shop  string
	State DiscoveryState
}

// DiscoveryState is what a discovery loop remembers between discoveries.
type DiscoveryState struct {
	// Watermark is the latest updated_at the listings saw (the API's
	// clock); the next listing starts activities.WatermarkOverlap before.
	Watermark time.Time
	// Recent are the records listed already near the watermark: id →
	// updated_at (Unix seconds).
	Recent map[int64]int64
	// ByID (order import only): ecforce ignored q[updated_at_gteq], new
	// orders are listed by id above AfterOrderID. Reset at each continue-
	// as-new, so the filter is tried again.
	ByID         bool
	AfterOrderID int64
	// Waiting (order import only) are the orders left for their 発送予定日,
	// read again by id on that day (at most MaxWaitingOrders; the sweep
	// finds the rest).
	Waiting []activities.DueOrder
	// Pending are DiscoverNow signals not handled yet.
	Pending []DiscoverNow
	// OwnWrites (order import only) are the OwnWriteSignal payloads no
	// listing has seen yet, oldest first (at most maxOwnWrites);
	// OwnWritesLeftOut counts the orders left out as changed by nothing
	// but such a write, over the loop's runs.
	OwnWrites        []OwnWriteEntry
	OwnWritesLeftOut int
	// Discoveries counts the discoveries of this loop, over its runs.
	Discoveries int
	// Continued counts the runs before this one.
	Continued int
}

// DiscoveryStatusQuery is the query a discovery loop answers with its
// DiscoveryStatus (`temporal workflow query --type discovery-status`).
const DiscoveryStatusQuery = "discovery-status"

// DiscoveryStatus is what DiscoveryStatusQuery answers.
type DiscoveryStatus struct {
	Shop        string
	Discoveries int
	Watermark   time.Time
	ByID        bool
	Waiting     int
	Pending     int
	// OwnWrites counts the imports' own writes the loop keeps;
	// OwnWritesLeftOut the orders left out as changed by nothing but
	// such a write.
	OwnWrites        int
	OwnWritesLeftOut int
	Paused           bool
}

// MaxWaitingOrders bounds DiscoveryState.Waiting.
const MaxWaitingOrders = 2000

// maxPendingNamed bounds the named orders one discovery handles first.
const maxPendingNamed = 100

// debounceWindow is how long a loop that a signal woke waited for the rest
// of a burst before it discovered, in runs recorded before
// DiscoverAtOnceVersion.
const debounceWindow = 2 * time.Second

// DiscoverAtOnceChangeID is the workflow.GetVersion change with which a
// loop that a discover-now signal wakes discovers at once instead of first
// waiting debounceWindow: a burst still costs one or two discoveries (the
// signals that arrive while the first runs collapse into the one pending),
// and the webhook's order reaches LOGILESS 2 s sooner.
const DiscoverAtOnceChangeID = "discover-now-at-once"

// DiscoverAtOnceVersion is the version of DiscoverAtOnceChangeID that does
// not wait.
const DiscoverAtOnceVersion workflow.Version = 1

// discoveriesPerRun is how many discoveries a loop makes before it
// continues as new (about four hours at one a minute, a few thousand
// history events).
const discoveriesPerRun = 240

// discoveryFlow is what a loop needs of its flow.
type discoveryFlow struct {
	flow     string
	workflow any
	on       func(activities.ShopSwitchesResult) bool
	interval func(activities.DiscoveryGateResult) time.Duration
	// discover runs one discovery, updating state; more asks for the next
	// one at once.
	discover func(ctx workflow.Context, shop string, state *DiscoveryState, named []DiscoverNow) (more bool, err error)
}

// runDiscoveryLoop is the loop both discoveries share: check the gate
// (switch and schedule), discover, wait for the interval or a signal,
// continue as new after discoveriesPerRun.
func runDiscoveryLoop(ctx workflow.Context, in DiscoveryInput, f discoveryFlow) error {
	if err := markRunning(ctx, in.Shop, f.flow); err != nil {
		return err
	}
	state := in.State
	paused := false
	if err := workflow.SetQueryHandler(ctx, DiscoveryStatusQuery, func() (DiscoveryStatus, error) {
		return DiscoveryStatus{Shop: in.Shop, Discoveries: state.Discoveries, Watermark: state.Watermark, ByID: state.ByID,
			Waiting: len(state.Waiting), Pending: len(state.Pending), OwnWrites: len(state.OwnWrites), OwnWritesLeftOut: state.OwnWritesLeftOut, Paused: paused}, nil
	}); err != nil {
		return err
	}
	signals := workflow.GetSignalChannel(ctx, DiscoverNowSignal)
	add := func(s DiscoverNow) {
		if len(state.Pending) < maxPendingNamed {
			state.Pending = append(state.Pending, s)
		}
	}
	drain := func() {
		var s DiscoverNow
		for signals.ReceiveAsync(&s) {
			add(s)
			s = DiscoverNow{}
		}
		takeOwnWrites(ctx, &state)
	}
	logger := workflow.GetLogger(ctx)
	interval := time.Minute
	var sw *activities.Switches
	for n := 0; ; n++ {
		drain()
		if n >= discoveriesPerRun || workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			next := state
			next.Continued++
			next.ByID = false // try q[updated_at_gteq] again
			return workflow.NewContinueAsNewError(ctx, f.workflow, DiscoveryInput{Shop: in.Shop, State: next})
		}
		began := workflow.Now(ctx)
		var gate activities.DiscoveryGateResult
		err := workflow.ExecuteActivity(step(ctx, workerStateOptions, stepShopSwitches), sw.DiscoveryGate,
			activities.DiscoveryGateInput{Shop: in.Shop, ScheduleID: f.flow + "/" + in.Shop}).Get(ctx, &gate)
		paused = err == nil && (!f.on(gate.Switches) || gate.SchedulePaused)
		switch {
		case err != nil:
			logger.Warn("discovery gate failed; trying again after the interval", "shop", in.Shop, "error", err)
			doing(ctx, "could not read the shop's settings: %s; trying again in %s", oneLine(err), interval)
		case paused:
			interval = max(f.interval(gate), time.Minute)
			if len(state.Pending) > 0 {
				logger.Info("discover-now ignored: the flow is paused", "shop", in.Shop, "signals", len(state.Pending))
				state.Pending = nil
			}
			_ = setOutcome(ctx, OutcomeDisabled)
			doing(ctx, "paused (auto-run off in the shops file, or schedule %s/%s paused); checking again in %s", f.flow, in.Shop, interval)
		default:
			interval = max(f.interval(gate), time.Minute)
			_ = setOutcome(ctx, OutcomeRunning)
			named := state.Pending
			state.Pending = nil
			more, err := f.discover(ctx, in.Shop, &state, named)
			state.Discoveries++
			if err != nil {
				logger.Warn("discovery failed; the next one tries again", "shop", in.Shop, "error", err)
				doing(ctx, "the last discovery failed: %s; next in %s", oneLine(runFailure(err)), interval)
			}
			if more && err == nil {
				continue
			}
		}
		drain()
		if len(state.Pending) > 0 {
			continue // signalled while discovering: once more, at once
		}
		// The interval runs from the start of the last discovery, so the
		// time it took does not add to the next order's wait.
		wait := interval - workflow.Now(ctx).Sub(began)
		if wait <= 0 {
			continue
		}
		timerCtx, cancel := workflow.WithCancel(ctx)
		timer := workflow.NewTimer(timerCtx, wait)
		sel := workflow.NewSelector(ctx)
		sel.AddFuture(timer, func(workflow.Future) {})
		woken := false
		sel.AddReceive(signals, func(c workflow.ReceiveChannel, _ bool) {
			var s DiscoverNow
			c.Receive(ctx, &s)
			add(s)
			woken = true
		})
		sel.Select(ctx)
		cancel()
		if woken && workflow.GetVersion(ctx, DiscoverAtOnceChangeID, workflow.DefaultVersion, DiscoverAtOnceVersion) == workflow.DefaultVersion {
			_ = workflow.Sleep(ctx, debounceWindow) // runs recorded before DiscoverAtOnceVersion
		}
	}
}

// namedOrders are the orders the pending signals name, each once.
func namedOrders(pending []DiscoverNow) []activities.NamedOrder {
	var out []activities.NamedOrder
	seen := map[activities.NamedOrder]bool{}
	for _, s := range pending {
		n := activities.NamedOrder{OrderID: s.OrderID, OrderNumber: s.OrderNumber}
		if (n.OrderID == 0 && n.OrderNumber == "") || seen[n] {
			continue
		}
		seen[n] = true
		out = append(out, n)
	}
	return out
}
