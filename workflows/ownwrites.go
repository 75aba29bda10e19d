package workflows

import (
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/ecforce-logiless/connector/activities"
)

// The connector's own write of order_import.imported_state moves the
// ecforce order's updated_at like an edit does. The import tells the
// shop's DiscoverOrders loop before it writes (OwnWriteSignal, with the
// fingerprint of the sales order it sent), and the loop leaves an order out
// of its updated orders when it is listed in that state still building the
// same sales order: the connector's own write costs no API call. Any other
// update of an order in that state starts or wakes its EditOrder run.

// OwnWriteSignal tells a shop's DiscoverOrders loop that an import is about
// to write order_import.imported_state on an order: the write moves the
// order's updated_at, and the loop must not take it for an edit. It is
// sent before the write, so the listing that sees the write knows it.
const OwnWriteSignal = "own-write"

// OwnWrite is the payload of OwnWriteSignal: the ecforce order id and
// orderedit.Fingerprint of the sales order its import sent (no value of
// the order).
type OwnWrite struct {
	OrderID int64
	Sent    string
}

// OwnWriteEntry is an OwnWrite the loop keeps for ownWriteTTL after it
// arrived, or until a listing sees the order edited.
type OwnWriteEntry struct {
	OwnWrite
	At time.Time
	// LeftOut: a listing has left the order out as nothing but this write.
	LeftOut bool
}

// ownWriteTTL is how long a loop keeps an OwnWrite: longer than a listing
// takes to see the write and to list it again near its watermark
// (activities.WatermarkOverlap). While it is kept, an order listed in the
// imported state that still builds what its import sent is left out:
// nothing the import sends has changed.
const ownWriteTTL = 10 * time.Minute

// maxOwnWrites bounds DiscoveryState.OwnWrites; an OwnWrite beyond it is
// dropped, and its order's next listing starts an EditOrder pass that
// finds nothing to change.
const maxOwnWrites = 2000

// OwnWritesChangeID is the workflow.GetVersion change with which a
// DiscoverOrders discovery follows the edits of orders in
// order_import.imported_state (activities.UpdatedOrder.Imported) and
// leaves out those updated by the import's own write. It is asked only
// when a discovery lists such an order, so histories without one replay
// unchanged; ImportOrder asks it before it sends OwnWriteSignal.
const OwnWritesChangeID = "own-writes"

// OwnWritesVersion is the version of OwnWritesChangeID that does so.
const OwnWritesVersion workflow.Version = 1

// takeOwnWrites moves the OwnWriteSignal payloads that arrived into
// state.OwnWrites and forgets those older than ownWriteTTL. Reading a
// signal issues no command.
func takeOwnWrites(ctx workflow.Context, state *DiscoveryState) {
	ch := workflow.GetSignalChannel(ctx, OwnWriteSignal)
	now := workflow.Now(ctx)
	var w OwnWrite
	for ch.ReceiveAsync(&w) {
		if w.OrderID > 0 && w.Sent != "" {
			state.OwnWrites = append(slices.DeleteFunc(state.OwnWrites, func(e OwnWriteEntry) bool { return e.OrderID == w.OrderID }),
				OwnWriteEntry{OwnWrite: w, At: now})
		}
		w = OwnWrite{}
	}
	// Oldest first: drop what is too old, then what is over the bound.
	state.OwnWrites = slices.DeleteFunc(state.OwnWrites, func(e OwnWriteEntry) bool { return now.Sub(e.At) > ownWriteTTL })
	if over := len(state.OwnWrites) - maxOwnWrites; over > 0 {
		state.OwnWrites = slices.Delete(state.OwnWrites, 0, over)
	}
}

// leaveOutOwnWrites returns updated without the orders whose only change
// was the import's own write of order_import.imported_state (they still
// build what the import sent), and forgets the OwnWrite of every order a
// listing now sees edited. It reports whether the discovery follows the edits of
// orders in that state (OwnWritesVersion): false for runs recorded before.
func leaveOutOwnWrites(ctx workflow.Context, state *DiscoveryState, updated []activities.UpdatedOrder) ([]activities.UpdatedOrder, bool) {
	imported := false
	for _, u := range updated {
		imported = imported || u.Imported
	}
	if !imported || workflow.GetVersion(ctx, OwnWritesChangeID, workflow.DefaultVersion, OwnWritesVersion) < OwnWritesVersion {
		return updated, false
	}
	// The signals that came while the listing ran: an import signals
	// before it writes, so the write this listing saw is known by now.
	takeOwnWrites(ctx, state)
	at := make(map[int64]int, len(state.OwnWrites))
	for i, w := range state.OwnWrites {
		at[w.OrderID] = i
	}
	edited := map[int64]bool{}
	kept := make([]activities.UpdatedOrder, 0, len(updated))
	for _, u := range updated {
		if i, ok := at[u.OrderID]; ok && u.Imported {
			if w := &state.OwnWrites[i]; u.Built != "" && u.Built == w.Sent {
				// Only the import's own write. The entry stays: a listing
				// near the watermark lists the order again unchanged.
				if !w.LeftOut {
					w.LeftOut = true
					state.OwnWritesLeftOut++
				}
				continue
			}
			edited[u.OrderID] = true
		}
		kept = append(kept, u)
	}
	state.OwnWrites = slices.DeleteFunc(state.OwnWrites, func(e OwnWriteEntry) bool { return edited[e.OrderID] })
	return kept, true
}

// tellOwnWrite sends the shop's DiscoverOrders loop OwnWriteSignal before
// the import writes order_import.imported_state on the order it created
// (an order found in LOGILESS already was not sent by this run: its
// listing starts an EditOrder pass instead). It waits until the signal is
// in the loop's history, so the listing that sees the write knows it; a
// shop without a running loop answers with an error, which is ignored.
func tellOwnWrite(ctx workflow.Context, shop string, created activities.CreateSalesOrderResult) {
	if !created.Created || created.Sent == "" || created.OrderID == 0 ||
		workflow.GetVersion(ctx, OwnWritesChangeID, workflow.DefaultVersion, OwnWritesVersion) < OwnWritesVersion {
		return
	}
	_ = workflow.SignalExternalWorkflow(ctx, DiscoverOrdersID(shop), "", OwnWriteSignal,
		OwnWrite{OrderID: created.OrderID, Sent: created.Sent}).Get(ctx, nil)
}
