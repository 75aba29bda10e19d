// Package workflows holds the connector's deterministic workflow code: one
// file per business flow, each reading like the process it runs.
//
//   - ImportOrders (discovery, per shop) lists ecforce orders waiting to be
//     imported and starts one ImportOrder per order.
//   - ImportOrder (per ecforce order) maps the order's lines through the
//     product mapping table, creates the LOGILESS sales order exactly once
//     and optionally sets an "imported" 対応状況 on the ecforce order.
//   - NotifyShipments (discovery, per shop) lists LOGILESS sales orders that
//     became Shipped and starts one NotifyShipment per order.
//   - NotifyShipment (per shipped order) writes the ship date and tracking
//     numbers to ecforce once, then, if the shop says so, runs 売上処理 and
//     changes the 対応状況, each a separate step.
//   - ReconcileStock (per shop) writes LOGILESS free stock, through the
//     mapping table, to ecforce stock at the shop's location code, page by
//     page, continuing as new to keep its history small.
//
// Workflow IDs are built from business keys by the helpers in ids.go; they
// are the deduplication: a discovery may re-scan an overlapping window and
// the IDs keep every order from being imported or notified twice. Workflow code does no
// I/O: every external effect is an activity in package activities.
package workflows
