// Package workflows holds the connector's deterministic workflow code and
// the registry of its flows. Workflow code does no I/O: every external
// effect is an activity in package activities.
//
// The flow is the unit of change: each flow's workflows live in files of
// their own, and hold only that flow.
//
//   - importorders.go, importorder.go (order import): ImportOrders
//     (discovery, per shop) lists ecforce orders waiting to be imported and
//     starts one ImportOrder per order, which maps the order's lines through
//     the product mapping table, creates the LOGILESS sales order exactly
//     once and optionally sets an "imported" 対応状況 on the ecforce order.
//   - notifyshipments.go, notifyshipment.go (shipment notification):
//     NotifyShipments (discovery, per shop) lists LOGILESS sales orders that
//     became Shipped and starts one NotifyShipment per order, which writes
//     the ship date and tracking numbers to ecforce once, then, if the shop
//     says so, runs 売上処理 and changes the 対応状況, each a separate step.
//   - reconcilestock.go (stock sync): ReconcileStock (per shop) writes
//     LOGILESS free stock, through the mapping table, to ecforce stock at
//     the shop's location code, page by page, continuing as new to keep its
//     history small.
//
// What flows share has one home each:
//
//   - flows.go: the registry Flows, read by the worker's registration
//     (app), the schedules, `starter status` and the replay test. A new
//     flow is an entry there plus its own files.
//   - ids.go: workflow type names, flow names and workflow IDs.
//   - searchattributes.go: search attributes and outcome values, and the
//     helpers that set them.
//   - failure.go: fail, how every flow records a failed run and fails it
//     with its cause's message.
//   - metadata.go: what the Web UI shows of a run (Temporal user
//     metadata): run summaries (RunSummary), step summaries and current
//     details.
//   - children.go: startOrderRuns, how a discovery starts per-order runs.
//   - activityoptions.go: the activity option presets.
//   - switches.go: the ShopSwitches step, through which every workflow
//     reads the shop's switches (auto-run, imported_state, with_sales,
//     status_after, stock sync enabled) once at its start, and the one
//     "a scheduled run of a switched-off flow does nothing" decision;
//     versioned by ShopSwitchesChangeID.
//
// Workflow IDs are built from business keys by the helpers in ids.go; they
// are the deduplication: a discovery may re-scan an overlapping window and
// the IDs keep every order from being imported or notified twice.
package workflows
