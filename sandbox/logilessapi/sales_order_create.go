package logilessapi

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
)

var (
	orderCodeRE = regexp.MustCompile(`^[A-Za-z0-9-]{1,30}$`)
	partyFields = []string{"name1", "name2", "name_kana1", "name_kana2", "country", "post_code",
		"prefecture", "address1", "address2", "address3", "phone", "fax", "email"}
)

func (f *fieldReader) party(prefix string, required ...string) SalesOrderParty {
	v := map[string]string{}
	for _, name := range partyFields {
		v[name] = f.str(prefix+"_"+name, slices.Contains(required, name))
	}
	return SalesOrderParty{
		Name1: v["name1"], Name2: v["name2"], NameKana1: v["name_kana1"], NameKana2: v["name_kana2"],
		Country: v["country"], PostCode: v["post_code"], Prefecture: v["prefecture"],
		Address1: v["address1"], Address2: v["address2"], Address3: v["address3"],
		Phone: v["phone"], Fax: v["fax"], Email: v["email"],
	}
}

// SeedSalesOrder creates a sales order exactly as POST sales_orders/new
// would (same validation, set expansion and allocation), without HTTP or
// auth. salesOrder is anything that marshals to the "sales_order" object,
// e.g. a map[string]any. Validation failures are *ValidationError.
func (l *Server) SeedSalesOrder(salesOrder any) (SalesOrder, error) {
	b, err := json.Marshal(salesOrder)
	if err != nil {
		return SalesOrder{}, fmt.Errorf("seed sales order: %w", err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return SalesOrder{}, fmt.Errorf("seed sales order: want a JSON object: %w", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	o, verr := l.createSalesOrderLocked(raw)
	if verr != nil {
		return SalesOrder{}, verr
	}
	return cloneSalesOrder(o), nil
}

func (l *Server) createSalesOrderLocked(raw map[string]json.RawMessage) (*SalesOrder, *ValidationError) {
	errs := map[string]string{}
	f := &fieldReader{raw: raw, errs: errs}
	now := l.clock()
	o := &SalesOrder{
		Code:                      f.str("code", true),
		Buyer:                     f.party("buyer", "name1"),
		Recipient:                 f.party("recipient", "name1", "address1"),
		PaymentMethod:             f.enum("payment_method", true, "", PaymentMethods),
		DeliveryMethod:            f.enum("delivery_method", true, "", DeliveryMethods),
		Store:                     f.integer("store", true, 0),
		CustomerCode:              f.str("customer_code", false),
		IncomingPaymentStatus:     f.enum("incoming_payment_status", false, "NotPaid", []string{"NotPaid", "PartlyPaid", "Paid"}),
		AuthorizationStatus:       f.enum("authorization_status", false, "NotRequired", []string{"NotRequired", "Unauthorized", "Authorizing", "Authorized", "Captured", "AuthorizationFailure"}),
		DeliveryFee:               f.integer("delivery_fee", false, 0),
		SundryFee:                 f.integer("sundry_fee", false, 0),
		Discount:                  f.integer("discount", false, 0),
		UsePoint:                  f.integer("use_point", false, 0),
		UseCoupon:                 f.integer("use_coupon", false, 0),
		CODTotal:                  f.integer("cod_total", false, 0),
		DeliveryPreferredDate:     f.date("delivery_preferred_date"),
		DeliveryPreferredTimeZone: f.str("delivery_preferred_time_zone", false),
		ScheduledShippingDate:     f.date("scheduled_shipping_date"),
		BuyerComment:              f.str("buyer_comment", false),
		MerchantComment:           f.str("merchant_comment", false),
		OrderedAt:                 f.datetime("ordered_at"),
	}
	for i := 1; i <= 10; i++ {
		name := fmt.Sprintf("attr%d", i)
		if v := f.str(name, false); v != "" {
			if o.Attrs == nil {
				o.Attrs = map[string]string{}
			}
			o.Attrs[name] = v
		}
	}
	if raw, ok := raw["tags"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &o.Tags); err != nil {
			errs["tags"] = msgInvalidValue
		}
	}
	if w := f.integer("warehouse", false, DefaultWarehouseID); w != DefaultWarehouseID {
		f.fail("warehouse", msgInvalidChoice)
	}
	for name, v := range map[string]int64{"delivery_fee": o.DeliveryFee, "sundry_fee": o.SundryFee, "discount": o.Discount, "use_point": o.UsePoint, "use_coupon": o.UseCoupon, "cod_total": o.CODTotal} {
		if v < 0 {
			f.fail(name, msgNegative)
		}
	}
	if o.Code != "" {
		switch {
		case !orderCodeRE.MatchString(o.Code):
			f.fail("code", msgBadOrderCode)
		case l.orderByCodeLocked(o.Code) != nil:
			f.fail("code", msgDuplicateCode)
		}
	}
	store, storeOK := l.storeLocked(o.Store)
	if _, bad := errs["store"]; !bad && !storeOK {
		f.fail("store", msgInvalidChoice)
	}

	type lineIn struct {
		code, name, taxIndicator, lineCode string
		qty                                int
		price                              int64
		taxRate                            int
	}
	var ins []lineIn
	lines, ok := f.objects("lines")
	if _, bad := errs["lines"]; !bad && (!ok || len(lines) == 0) {
		f.fail("lines", msgBlank)
	}
	for i, ln := range lines {
		lf := &fieldReader{raw: ln, prefix: fmt.Sprintf("lines[%d].", i), errs: errs}
		in := lineIn{
			code:         lf.str("article_code", true),
			name:         lf.str("article_name", true),
			qty:          int(lf.integer("quantity", true, 0)),
			price:        lf.integer("price", false, 0),
			taxRate:      int(lf.integer("tax_rate", false, 10)),
			taxIndicator: lf.enum("tax_indicator", false, "TaxIncluded", []string{"TaxIncluded", "TaxExcluded", "Exempt"}),
			lineCode:     lf.str("code", false),
		}
		if _, bad := errs[lf.prefix+"quantity"]; !bad && in.qty <= 0 {
			lf.fail("quantity", msgNotPositive)
		}
		if in.price < 0 {
			lf.fail("price", msgNegative)
		}
		if in.taxRate < 0 || in.taxRate > 100 {
			lf.fail("tax_rate", msgInvalidValue)
		}
		ins = append(ins, in)
	}
	if len(errs) > 0 {
		return nil, &ValidationError{Fields: errs}
	}

	l.seq.order++
	o.ID = l.seq.order
	o.ObjectCode = fmt.Sprintf("SO%08d", o.ID)
	o.Store = store.ID
	if o.OrderedAt.IsZero() {
		o.OrderedAt = now
	}
	o.CreatedAt, o.UpdatedAt = now, now
	o.DocumentStatus = StatusWaitingForAllocation
	o.AllocationStatus = StatusWaitingForAllocation
	o.DeliveryStatus = StatusWaitingForShipment
	var exclusiveTax int64
	addLine := func(ln SalesOrderLine) int64 {
		l.seq.line++
		ln.ID = l.seq.line
		ln.Status = StatusWaitingForAllocation
		o.Lines = append(o.Lines, ln)
		return ln.ID
	}
	for _, in := range ins {
		sub := in.price * int64(in.qty)
		var tax int64
		switch in.taxIndicator {
		case "TaxIncluded":
			tax = sub * int64(in.taxRate) / int64(100+in.taxRate)
		case "TaxExcluded":
			tax = sub * int64(in.taxRate) / 100
			exclusiveTax += tax
		}
		o.Subtotal += sub
		o.TaxTotal += tax
		o.TotalQuantity += in.qty
		line := SalesOrderLine{
			Code: in.lineCode, ArticleCode: in.code, ArticleName: in.name, Quantity: in.qty,
			Price: in.price, TaxRate: in.taxRate, TaxIndicator: in.taxIndicator, Subtotal: sub, TaxTotal: tax,
		}
		a := l.resolveArticleLocked(in.code, o.Store)
		if a == nil {
			o.WaitingForConfirmation = true
			o.ConfirmationReasons = append(o.ConfirmationReasons, fmt.Sprintf("%s（%s）", msgUnknownArt, in.code))
			addLine(line)
			continue
		}
		line.ArticleID, line.ArticleCode = a.ID, a.Code
		if a.ArticleType != ArticleAssortment {
			addLine(line)
			continue
		}
		line.IsParent = true
		parentID := addLine(line)
		for _, c := range a.Components {
			comp := l.articleLocked(c.Component)
			addLine(SalesOrderLine{
				ArticleID: comp.ID, ArticleCode: comp.Code, ArticleName: comp.Name,
				Quantity: c.Quantity * in.qty, TaxRate: in.taxRate, TaxIndicator: in.taxIndicator,
				IsChild: true, ParentID: parentID,
			})
		}
	}
	o.Total = o.Subtotal + exclusiveTax + o.DeliveryFee + o.SundryFee - o.Discount - o.UsePoint - o.UseCoupon

	d := l.newDeliveryLocked(o, now)
	for _, ln := range o.Lines {
		if !ln.IsParent {
			d.LineIDs = append(d.LineIDs, ln.ID)
		}
	}
	o.Deliveries = []OutboundDelivery{d}

	if o.WaitingForConfirmation {
		o.DocumentStatus = StatusProcessing
		for i := range o.Lines {
			o.Lines[i].Status = StatusWaitingForTransfer
		}
	} else {
		for _, ln := range o.Lines {
			if !ln.IsParent {
				l.inv[ln.ArticleCode].stockOut += ln.Quantity
			}
		}
	}
	l.orders = append(l.orders, o)
	l.ordersByID[o.ID] = o
	if !o.WaitingForConfirmation {
		l.tryAllocateLocked(o)
	}
	return o, nil
}

// resolveArticleLocked finds the article for a line's article_code: the
// article master first, then the store's 商品対応表 (mapped_code).
func (l *Server) resolveArticleLocked(code string, store int64) *Article {
	if a := l.articleLocked(code); a != nil {
		return a
	}
	for _, m := range l.maps {
		if m.Store == store && m.MappedCode == code {
			return l.articleLocked(m.ArticleCode)
		}
	}
	return nil
}
