package logilessapi

import (
	"fmt"
	"strconv"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

// renderSalesOrderLocked renders an order with LOGILESS's loose typing: the
// order id is a number, line ids are strings, every other line carries price
// and quantity as strings, flags are 0/1, and both "status" and
// "document_status" are present.
func (l *Server) renderSalesOrderLocked(o *SalesOrder) map[string]any {
	store, _ := l.storeLocked(o.Store)
	m := map[string]any{
		"id":                           o.ID,
		"code":                         o.Code,
		"object_code":                  o.ObjectCode,
		"document_status":              o.DocumentStatus,
		"status":                       o.DocumentStatus,
		"allocation_status":            o.AllocationStatus,
		"delivery_status":              o.DeliveryStatus,
		"incoming_payment_status":      o.IncomingPaymentStatus,
		"authorization_status":         o.AuthorizationStatus,
		"payment_method":               o.PaymentMethod,
		"delivery_method":              o.DeliveryMethod,
		"customer_code":                httpfake.NullIfEmpty(o.CustomerCode),
		"subtotal":                     o.Subtotal,
		"tax_total":                    o.TaxTotal,
		"total":                        o.Total,
		"total_quantity":               o.TotalQuantity,
		"delivery_fee":                 o.DeliveryFee,
		"sundry_fee":                   o.SundryFee,
		"discount":                     o.Discount,
		"use_point":                    o.UsePoint,
		"use_coupon":                   o.UseCoupon,
		"posting_date":                 formatDate(o.OrderedAt),
		"document_date":                formatDate(o.OrderedAt),
		"payment_due_date":             nil,
		"waiting_for_confirmation":     flag(o.WaitingForConfirmation),
		"shipping_confirmed":           flag(o.ShippingConfirmed),
		"is_multiple_deliveries":       flag(countActive(o.Deliveries) > 1),
		"delivery_tracking_number":     httpfake.NullIfEmpty(o.DeliveryTrackingNumber),
		"delivery_preferred_date":      httpfake.NullIfEmpty(o.DeliveryPreferredDate),
		"delivery_preferred_time_zone": httpfake.NullIfEmpty(o.DeliveryPreferredTimeZone),
		"buyer_comment":                httpfake.NullIfEmpty(o.BuyerComment),
		"merchant_comment":             httpfake.NullIfEmpty(o.MerchantComment),
		"purchasing_times":             o.PurchasingTimes,
		"tags":                         nonNil(o.Tags),
		"ordered_at":                   formatTime(o.OrderedAt),
		"finished_at":                  formatTime(o.FinishedAt),
		"created_at":                   formatTime(o.CreatedAt),
		"updated_at":                   formatTime(o.UpdatedAt),
		"store":                        map[string]any{"id": store.ID, "name": store.Name},
	}
	for prefix, p := range map[string]SalesOrderParty{"buyer": o.Buyer, "recipient": o.Recipient} {
		for k, v := range map[string]string{
			"name1": p.Name1, "name2": p.Name2, "name_kana1": p.NameKana1, "name_kana2": p.NameKana2,
			"country": p.Country, "post_code": p.PostCode, "prefecture": p.Prefecture,
			"address1": p.Address1, "address2": p.Address2, "address3": p.Address3,
			"phone": p.Phone, "fax": p.Fax, "email": p.Email,
		} {
			m[prefix+"_"+k] = httpfake.NullIfEmpty(v)
		}
	}
	if m["buyer_country"] == nil {
		m["buyer_country"] = "JP"
	}
	if m["recipient_country"] == nil {
		m["recipient_country"] = "JP"
	}
	for i := 1; i <= 10; i++ {
		k := fmt.Sprintf("attr%d", i)
		m[k] = httpfake.NullIfEmpty(o.Attrs[k])
	}
	lines := make([]any, 0, len(o.Lines))
	for i, ln := range o.Lines {
		var price, qty any = ln.Price, ln.Quantity
		if i%2 == 1 {
			price, qty = strconv.FormatInt(ln.Price, 10), strconv.Itoa(ln.Quantity)
		}
		var parent any
		if ln.ParentID != 0 {
			parent = ln.ParentID
		}
		lines = append(lines, map[string]any{
			"id":                        strconv.FormatInt(ln.ID, 10),
			"code":                      httpfake.NullIfEmpty(ln.Code),
			"status":                    ln.Status,
			"article_code":              ln.ArticleCode,
			"article_name":              ln.ArticleName,
			"article":                   articleRef(l.articleByIDLocked(ln.ArticleID)),
			"quantity":                  qty,
			"price":                     price,
			"tax_rate":                  ln.TaxRate,
			"tax_indicator":             ln.TaxIndicator,
			"subtotal":                  ln.Subtotal,
			"tax_total":                 ln.TaxTotal,
			"is_parent":                 flag(ln.IsParent),
			"is_child":                  flag(ln.IsChild),
			"parent_id":                 parent,
			"cached_allocated_quantity": ln.AllocatedQuantity,
			"is_partial_cancel":         0,
			"origin":                    map[string]any{"id": o.ID, "code": o.Code},
		})
	}
	m["lines"] = lines
	deliveries := make([]any, 0, len(o.Deliveries))
	for _, d := range o.Deliveries {
		deliveries = append(deliveries, l.renderDeliveryLocked(o, d))
	}
	m["outbound_deliveries"] = deliveries
	return m
}
