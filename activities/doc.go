// Package activities holds the connector's activities: thin steps that read
// from ecforce and LOGILESS, hand what they read to the rules of their flow
// (packages salesorder and shipment, Temporal-free and table-tested) and
// write what the rules decide. Each is idempotent so that Temporal may retry
// it after a timeout, a crash or a lost answer without creating anything
// twice; the comment on each activity says why.
//
// # Layout
//
// One file per flow, or one per step where a flow would outgrow a file:
//
//   - orderimport.go: the order import (受注連携), OrderImport, its create
//     and "imported" 対応状況 steps; orderdiscovery.go, its discovery step
//     (ListImportCandidates); ordercache.go, the worker-local cache of
//     listed orders.
//   - shipment.go: the shipment notification (出荷通知), ShipmentNotification
//     and what its steps share; one file per activity:
//     shipmentdiscovery.go, shipmentprepare.go, shipmentshipping.go,
//     shipmentcapture.go, shipmentstatus.go.
//   - stock.go, stockstate.go: the stock sync (在庫連動).
//
// What the flows share has one home each:
//
//   - errors.go: the stable error type names, classify (client and rule
//     errors → retryable or not), httpapi.MayHaveApplied (may a failed write have
//     been applied?), orderNotFound, and the runbook pointer every
//     non-retryable error ends with (docs/errors.md#<type>).
//   - orderstate.go: the one 対応状況 write (setOrderState).
//   - orderlookup.go: the look-ups both flows make (getOrder, and
//     claimSalesOrder: a LOGILESS sales order by the shop's codes of a
//     受注番号, shopCodes, and whether the shop's store holds it).
//   - shops.go: Shop and ShopDirectory.
//   - package ttlcache: the one in-memory TTL cache behind OrderCache,
//     ShipmentCache and the carrier lists.
//
// # Clients
//
// Each flow declares, next to its activities, the client methods it calls
// (orderImportEcforce and orderImportLogiless, shipmentEcforce and
// shipmentLogiless, with the shared orderStateAPI, orderReader and
// salesOrderSearcher inside them), and reaches a shop's clients only
// through them (importClients, ShipmentNotification.shipmentClients). A Shop holds one ecforce
// and one LOGILESS client, typed EcforceAPI and LogilessAPI: nothing but
// the union of the flows' interfaces, so the one real client serves every
// flow. app.Build puts the real clients there; tests put real clients
// talking to the sandbox.
//
// Activities find a shop's clients, settings and mapping table through a
// ShopDirectory built by the worker at start; credentials stay there and
// never enter an activity's input or result, so they never reach a workflow
// history. Errors leave an activity classified: retryable ones (429, 5xx,
// timeouts) carry the API's requested delay, everything an operator must fix
// is a non-retryable application error with a stable type name (see
// errors.go) and a one-line message that says what to fix.
package activities
