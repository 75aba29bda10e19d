// Package workflows holds the connector's deterministic workflow code: one
// file per business flow, each reading like the process it runs.
//
//   - ImportOrders (discovery, per shop) lists ecforce orders waiting to be
//     imported and starts one ImportOrder per order.
//   - ImportOrder (per ecforce order) maps the order's lines through the
//     product mapping table, creates the LOGILESS sales order exactly once
//     and optionally sets an "imported" 対応状況 on the ecforce order.
//
// Workflow IDs are built from business keys by the helpers in ids.go; they
// are the deduplication: a discovery may re-scan an overlapping window and
// the IDs keep every order from being imported twice. Workflow code does no
// I/O: every external effect is an activity in package activities.
package workflows
