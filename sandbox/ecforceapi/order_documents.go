package ecforceapi

import (
	"net/http"
	"strconv"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

// orderDocLocked renders a single-order document honouring ?include=.
func (e *Server) orderDocLocked(r *http.Request, o *Order) map[string]any {
	doc := map[string]any{"data": e.orderResourceLocked(o)}
	if inc := parseIncludes(r.URL.Query()); len(inc) > 0 {
		doc["included"] = orderIncludedLocked([]*Order{o}, inc)
	}
	return doc
}

func (e *Server) orderResourceLocked(o *Order) resource {
	human, _ := e.stateLabelLocked(o.State)
	var carrierName any
	if c, ok := e.carrierLocked(o.ShippingCarrierID); ok {
		carrierName = c.Name
	}
	var slip any
	if o.ShippingSlip != "" {
		slip = o.ShippingSlip
	}
	var destinations []resourceRef
	for _, a := range o.destinations() {
		destinations = append(destinations, resourceRef{idStr(a.ID), "address"})
	}
	items := make([]resourceRef, 0, len(o.Items))
	for _, it := range o.Items {
		items = append(items, resourceRef{idStr(it.ID), "order_item"})
	}
	loc := e.locations[0]
	for _, l := range e.locations {
		if l.id == o.StockLocationID {
			loc = l
		}
	}
	attrs := map[string]any{
		"id":                           o.ID,
		"number":                       o.Number,
		"state":                        o.State,
		"human_state":                  human,
		"payment_state":                o.PaymentState,
		"payment_human_state":          paymentHumanState(o.PaymentState),
		"payment_method_name":          o.PaymentMethodName,
		"email":                        o.Email,
		"customer_id":                  o.CustomerID,
		"subs_order_id":                nil,
		"kind":                         "通常受注",
		"subtotal":                     o.Subtotal,
		"discount":                     o.Discount,
		"point":                        o.Point,
		"deliv_fee":                    o.DelivFee,
		"charge":                       o.Charge,
		"misc_fee":                     o.MiscFee,
		"adjustment":                   0,
		"tax":                          o.Tax,
		"total":                        o.Total,
		"payment_total":                o.PaymentTotal,
		"scheduled_to_be_shipped_at":   formatTime(o.ScheduledToBeShippedAt),
		"scheduled_to_be_delivered_at": formatTime(o.ScheduledToBeDeliveredAt),
		"scheduled_delivery_time":      httpfake.NullIfEmpty(o.ScheduledDeliveryTime),
		"shipping_carrier_id":          nullableInt(o.ShippingCarrierID),
		"shipping_carrier_name":        carrierName,
		"shipping_slip":                slip,
		"shipped_at":                   formatTime(o.ShippedAt),
		"remark":                       httpfake.NullIfEmpty(o.Remark),
		"memo01":                       httpfake.NullIfEmpty(o.Memo01),
		"memo02":                       httpfake.NullIfEmpty(o.Memo02),
		"stock_location_id":            loc.id,
		"stock_location_name":          loc.name,
		"multiple_shipping":            o.MultipleShipping,
		"created_at":                   formatTime(o.CreatedAt),
		"updated_at":                   formatTime(o.UpdatedAt),
	}
	return resource{
		ID: idStr(o.ID), Type: "order", Attributes: attrs,
		Relationships: map[string]any{
			"order_items":        map[string]any{"data": items},
			"shipping_address":   map[string]any{"data": resourceRef{idStr(o.ShippingAddress.ID), "address"}},
			"shipping_addresses": map[string]any{"data": destinations},
			"billing_address":    map[string]any{"data": resourceRef{idStr(o.BillingAddress.ID), "address"}},
			"customer":           map[string]any{"data": resourceRef{idStr(o.CustomerID), "customer"}},
		},
	}
}

func paymentHumanState(s string) string {
	switch s {
	case "authed":
		return "仮売上完了"
	case "completed":
		return "売上完了"
	case "sales_failed":
		return "売上失敗"
	case "voided":
		return "取消済み"
	case "cash_on_delivery_authed":
		return "代引き"
	case "paid":
		return "入金済み"
	case "credit_exam_processing":
		return "与信審査中"
	case "credit_exam_completed":
		return "与信審査完了"
	case "auth_failed":
		return "仮売上失敗"
	}
	return s
}

// itemResource renders an order item. Items with an even id carry price and
// quantity as strings, deterministically exercising lenient decoders.
func itemResource(o *Order, it OrderItem) resource {
	var price, qty any = it.Price, it.Quantity
	if it.ID%2 == 0 {
		price, qty = strconv.FormatInt(it.Price, 10), strconv.Itoa(it.Quantity)
	}
	return resource{
		ID: idStr(it.ID), Type: "order_item",
		Attributes: map[string]any{
			"id":                      it.ID,
			"order_id":                o.ID,
			"variant_id":              it.VariantID,
			"variant_sku":             it.VariantSKU,
			"product_number":          it.ProductNumber,
			"product_name":            it.ProductName,
			"product_bundled_item_id": nil,
			"stock_location_id":       o.StockLocationID,
			"list_price":              it.Price,
			"sales_price":             it.Price,
			"price":                   price,
			"quantity":                qty,
			"set_item_quantity":       nil,
			"tax_rate":                it.TaxRate,
			"created_at":              formatTime(o.CreatedAt),
			"updated_at":              formatTime(o.CreatedAt),
		},
	}
}

// orderIncludedLocked renders the included resources of the given orders.
func orderIncludedLocked(orders []*Order, inc map[string]bool) []resource {
	included := []resource{}
	seen := map[string]bool{}
	add := func(r resource) {
		k := r.Type + "/" + r.ID
		if !seen[k] {
			seen[k] = true
			included = append(included, r)
		}
	}
	for _, o := range orders {
		if inc["order_items"] {
			for _, it := range o.Items {
				add(itemResource(o, it))
			}
		}
		if inc["shipping_address"] {
			add(addressResource(o.ShippingAddress))
		}
		if inc["shipping_addresses"] {
			for _, a := range o.destinations() {
				add(addressResource(a))
			}
		}
		if inc["billing_address"] {
			add(addressResource(o.BillingAddress))
		}
	}
	return included
}
