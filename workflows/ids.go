package workflows

import (
	"fmt"
	"strings"

	"github.com/ecforce-logiless/connector/activities"
)

// Workflow type names, as registered on the worker and shown in the Web UI.
const (
	ImportOrdersWorkflowName    = "ImportOrders"
	ImportOrderWorkflowName     = "ImportOrder"
	NotifyShipmentsWorkflowName = "NotifyShipments"
	NotifyShipmentWorkflowName  = "NotifyShipment"
	ReconcileStockWorkflowName  = "ReconcileStock"
)

// Flow names, the values of the ConnectorFlow search attribute.
const (
	FlowOrderImport          = "order-import"
	FlowShipmentNotification = "shipment-notification"
	FlowStockSync            = "stock-sync"
)

// ImportOrderID is the workflow ID of the import of one ecforce order:
// import-order/<shop>/<受注番号>. It is the key that keeps an order from
// being imported twice.
func ImportOrderID(shop, orderNumber string) string {
	return "import-order/" + shop + "/" + orderNumber
}

// ImportOrdersID is the workflow ID of a shop's order discovery. Only one
// discovery per shop runs at a time; schedules append their own timestamp.
func ImportOrdersID(shop string) string {
	return "import-orders/" + shop
}

// ParseImportOrderID splits an ImportOrder workflow ID into shop and order
// number, for tools that start from an ID an operator pasted.
func ParseImportOrderID(id string) (shop, orderNumber string, err error) {
	rest, ok := strings.CutPrefix(id, "import-order/")
	if ok {
		shop, orderNumber, ok = strings.Cut(rest, "/")
	}
	if !ok || shop == "" || orderNumber == "" || strings.Contains(orderNumber, "/") {
		return "", "", fmt.Errorf("%q is not an import-order/<shop>/<order number> workflow ID", id)
	}
	return shop, orderNumber, nil
}

// NotifyShipmentID is the workflow ID of the shipment notification of one
// order: notify-shipment/<shop>/<受注番号>. It keeps a shipment from being
// reported to ecforce twice.
func NotifyShipmentID(shop, orderNumber string) string {
	return "notify-shipment/" + shop + "/" + orderNumber
}

// NotifyShipmentResendID is the workflow ID of the notification of
// tracking numbers that changed after an earlier notification of the
// order (shipment.ResendVersion): notify-shipment/<shop>/<受注番号>/<version>,
// the version naming the new slip and its ship time. Each change is sent
// once, also a number that comes back (A, B, A, B); the first notification
// keeps NotifyShipmentID.
func NotifyShipmentResendID(shop, orderNumber, version string) string {
	return NotifyShipmentID(shop, orderNumber) + "/" + version
}

// notifyShipmentRunID is the ID a discovery starts a candidate's
// notification under. Histories recorded before Resend existed have it
// empty, so they replay with the same IDs (no workflow.GetVersion needed:
// the command changes only with data that older code never produced).
func notifyShipmentRunID(shop string, c activities.ShipmentCandidate) string {
	if c.Resend != "" {
		return NotifyShipmentResendID(shop, c.OrderNumber, c.Resend)
	}
	return NotifyShipmentID(shop, c.OrderNumber)
}

// NotifyShipmentsID is the workflow ID of a shop's shipment discovery.
func NotifyShipmentsID(shop string) string {
	return "notify-shipments/" + shop
}

// ReconcileStockID is the workflow ID of a shop's stock sync; one runs at a
// time per shop.
func ReconcileStockID(shop string) string {
	return "reconcile-stock/" + shop
}
