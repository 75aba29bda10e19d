package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// Status values (LOGILESS enums).
const (
	StatusProcessing           = "Processing"
	StatusWaitingForAllocation = "WaitingForAllocation"
	StatusWaitingForShipment   = "WaitingForShipment"
	StatusWorking              = "Working"
	StatusPartlyShipped        = "PartlyShipped"
	StatusShipped              = "Shipped"
	StatusCancel               = "Cancel"
	StatusAllocated            = "Allocated"
	StatusWaitingForTransfer   = "WaitingForTransfer"
)

// ValidationError is a LOGILESS "Validation Failed" error: field → message.
// Over HTTP it is the 400 body {"code":400,"message":"Validation Failed","errors":{…}}.
type ValidationError struct {
	Fields map[string]string
}

func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+e.Fields[k])
	}
	return "Validation Failed: " + strings.Join(parts, "; ")
}

// Validation messages (Symfony's Japanese translations, as a PHP backend
// would produce them; the exact real wording is not known).
const (
	msgBlank         = "値が空であってはなりません。"
	msgInvalidChoice = "選択した値は有効ではありません。"
	msgInvalidValue  = "この値は有効ではありません。"
	msgNotPositive   = "0より大きな値にしてください。"
	msgNegative      = "0以上の値にしてください。"
	msgBadDate       = "有効な日付ではありません。"
	msgBadDateTime   = "有効な日時ではありません。"
	msgDuplicateCode = "この受注コードは既に使用されています"
	msgBadOrderCode  = "受注コードは半角英数字とハイフンのみ、30文字以内で入力してください。"
	msgDuplicateArt  = "この商品コードは既に使用されています"
	msgUnknownArt    = "商品マスタがありません"
)

// PaymentMethods is the subset of LOGILESS payment_method values the fake
// accepts (the real enum has 33 values).
var PaymentMethods = []string{
	"credit_card_payment", "cod", "bank_transfer", "postal_transfer", "cvs_payment",
	"post_payment", "np_atobarai", "gmo_postpay", "kuroneko_postpay", "atone", "paidy",
	"amazon_pay", "rakuten_pay", "paypay", "paypay_credit", "line_pay", "d_payment",
	"au_pay", "merpay", "carrier_payment", "point_payment", "other_payment", "no_payment",
}

// DeliveryMethods is the subset of LOGILESS delivery_method values the fake
// accepts (the real enum has about 60 values).
var DeliveryMethods = []string{
	"yamato", "yamato_compact", "yamato_nekoposu", "yamato_mail", "sagawa", "sagawa_yu_packet",
	"you_pack", "yu_packet", "yu_mail", "click_post", "letter_pack_plus", "letter_pack_light",
	"seino", "fukuyama", "in_store_pickup", "other_delivery",
}

var (
	orderCodeRE = regexp.MustCompile(`^[A-Za-z0-9-]{1,30}$`)
	partyFields = []string{"name1", "name2", "name_kana1", "name_kana2", "country", "post_code",
		"prefecture", "address1", "address2", "address3", "phone", "fax", "email"}
)

// fieldReader pulls loosely typed fields out of a JSON object and collects
// validation errors under prefix+name.
type fieldReader struct {
	raw    map[string]json.RawMessage
	prefix string
	errs   map[string]string
}

func (f *fieldReader) fail(name, msg string) {
	if _, dup := f.errs[f.prefix+name]; !dup {
		f.errs[f.prefix+name] = msg
	}
}

func (f *fieldReader) str(name string, required bool) string {
	s, ok, err := looseString(f.raw[name])
	switch {
	case err != nil:
		f.fail(name, msgInvalidValue)
	case required && (!ok || strings.TrimSpace(s) == ""):
		f.fail(name, msgBlank)
	}
	return s
}

func (f *fieldReader) integer(name string, required bool, def int64) int64 {
	n, ok, err := looseInt(f.raw[name])
	switch {
	case err != nil:
		f.fail(name, msgInvalidValue)
	case !ok && required:
		f.fail(name, msgBlank)
	case !ok:
		return def
	}
	return n
}

func (f *fieldReader) enum(name string, required bool, def string, allowed []string) string {
	s := f.str(name, required)
	if s == "" {
		return def
	}
	if !slices.Contains(allowed, s) {
		f.fail(name, msgInvalidChoice)
	}
	return s
}

func (f *fieldReader) date(name string) string {
	s := f.str(name, false)
	if s == "" {
		return ""
	}
	if _, err := time.ParseInLocation(dateLayout, s, jst); err != nil {
		f.fail(name, msgBadDate)
	}
	return s
}

func (f *fieldReader) datetime(name string) time.Time {
	s := f.str(name, false)
	if s == "" {
		return time.Time{}
	}
	t, err := time.ParseInLocation(llTimeLayout, s, jst)
	if err != nil {
		f.fail(name, msgBadDateTime)
	}
	return t
}

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

// objects decodes an array of JSON objects; ok=false when absent or null.
func (f *fieldReader) objects(name string) ([]map[string]json.RawMessage, bool) {
	raw := f.raw[name]
	if len(raw) == 0 || string(raw) == "null" {
		return nil, false
	}
	var out []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &out); err != nil {
		f.fail(name, msgInvalidValue)
		return nil, false
	}
	return out, true
}

// --- articles ----------------------------------------------------------------

// articleFromJSON reads an article body (POST articles/new).
func articleFromJSON(raw map[string]json.RawMessage, prefix string, errs map[string]string) LogilessArticle {
	f := &fieldReader{raw: raw, prefix: prefix, errs: errs}
	a := LogilessArticle{
		Code:               f.str("code", false),
		Name:               f.str("name", false),
		ArticleType:        f.str("article_type", false),
		IdentificationCode: f.str("identification_code", false),
		ModelNumber:        f.str("model_number", false),
		Price:              f.integer("price", false, 0),
	}
	comps, _ := f.objects("components")
	for i, c := range comps {
		cf := &fieldReader{raw: c, prefix: fmt.Sprintf("%scomponents[%d].", prefix, i), errs: errs}
		comp := ArticleComponent{Component: cf.str("component", false), Quantity: int(cf.integer("quantity", false, 0))}
		if comp.Component == "" { // {"component":{"code":"X"}} is tolerated too
			var nested struct {
				Code string `json:"code"`
			}
			if json.Unmarshal(c["component"], &nested) == nil && nested.Code != "" {
				delete(errs, cf.prefix+"component")
				comp.Component = nested.Code
			}
		}
		a.Components = append(a.Components, comp)
	}
	return a
}

// validateArticleLocked checks an article about to be created. batch holds
// articles created earlier in the same request (codes must be unique across
// it, and sets may use them as components).
func (l *Logiless) validateArticleLocked(a LogilessArticle, batch map[string]LogilessArticle, prefix ...string) map[string]string {
	p := strings.Join(prefix, "")
	errs := map[string]string{}
	if strings.TrimSpace(a.Code) == "" {
		errs[p+"code"] = msgBlank
	} else if _, dup := batch[a.Code]; dup || l.articleLocked(a.Code) != nil {
		errs[p+"code"] = msgDuplicateArt
	}
	if strings.TrimSpace(a.Name) == "" {
		errs[p+"name"] = msgBlank
	}
	if a.Price < 0 {
		errs[p+"price"] = msgNegative
	}
	switch a.ArticleType {
	case "", ArticleSingle:
		if len(a.Components) > 0 {
			errs[p+"components"] = "セット商品以外に構成品は指定できません。"
		}
	case ArticleAssortment:
		if len(a.Components) == 0 {
			errs[p+"components"] = msgBlank
		}
		for i, c := range a.Components {
			cp := fmt.Sprintf("%scomponents[%d].", p, i)
			comp := l.articleLocked(c.Component)
			if comp == nil {
				if b, ok := batch[c.Component]; ok {
					comp = &b
				}
			}
			switch {
			case c.Component == "":
				errs[cp+"component"] = msgBlank
			case comp == nil:
				errs[cp+"component"] = msgUnknownArt
			case comp.ArticleType != "" && comp.ArticleType != ArticleSingle:
				errs[cp+"component"] = "構成品には単品の商品のみ指定できます。"
			}
			if c.Quantity <= 0 {
				errs[cp+"quantity"] = msgNotPositive
			}
		}
	default: // Crate exists but cannot be created through the API
		errs[p+"article_type"] = msgInvalidChoice
	}
	return errs
}

func (l *Logiless) addArticleLocked(a LogilessArticle) *LogilessArticle {
	now := l.clock()
	if a.ArticleType == "" {
		a.ArticleType = ArticleSingle
	}
	l.seq.article++
	a.ID = l.seq.article
	a.CreatedAt, a.UpdatedAt = now, now
	a.Components = cloneSlice(a.Components)
	p := &a
	l.articles = append(l.articles, p)
	l.byCode[p.Code] = p
	if a.ArticleType == ArticleSingle {
		l.inv[a.Code] = &inventory{updatedAt: now}
	}
	return p
}

// summaryLocked computes the logical inventory of an article.
func (l *Logiless) summaryLocked(a *LogilessArticle) InventorySummary {
	s := InventorySummary{ArticleCode: a.Code, ArticleType: a.ArticleType, UpdatedAt: a.UpdatedAt}
	if a.ArticleType != ArticleAssortment {
		inv := l.inv[a.Code]
		s.Available, s.Allocated, s.StockOut, s.Shipped = inv.available, inv.allocated, inv.stockOut, inv.shipped
		s.Free = inv.available - inv.allocated
		if inv.updatedAt.After(s.UpdatedAt) {
			s.UpdatedAt = inv.updatedAt
		}
		return s
	}
	free, avail := math.MaxInt, math.MaxInt
	for _, c := range a.Components {
		inv := l.inv[c.Component]
		if inv == nil || c.Quantity <= 0 {
			free, avail = 0, 0
			continue
		}
		free = min(free, (inv.available-inv.allocated)/c.Quantity)
		avail = min(avail, inv.available/c.Quantity)
		if inv.updatedAt.After(s.UpdatedAt) {
			s.UpdatedAt = inv.updatedAt
		}
	}
	if len(a.Components) == 0 {
		free, avail = 0, 0
	}
	s.Free, s.Available = free, avail
	return s
}

// --- sales orders --------------------------------------------------------------

// SeedSalesOrder creates a sales order exactly as POST sales_orders/new
// would (same validation, set expansion and allocation), without HTTP or
// auth. salesOrder is anything that marshals to the "sales_order" object,
// e.g. a map[string]any. Validation failures are *ValidationError.
func (l *Logiless) SeedSalesOrder(salesOrder any) (SalesOrder, error) {
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

func (l *Logiless) createSalesOrderLocked(raw map[string]json.RawMessage) (*SalesOrder, *ValidationError) {
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
	if w := f.integer("warehouse", false, DefaultLogilessWarehouseID); w != DefaultLogilessWarehouseID {
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

func (l *Logiless) newDeliveryLocked(o *SalesOrder, now time.Time) OutboundDelivery {
	l.seq.delivery++
	return OutboundDelivery{
		ID: l.seq.delivery, Code: fmt.Sprintf("OD%08d", l.seq.delivery),
		DocumentStatus: o.DocumentStatus, AllocationStatus: o.AllocationStatus, DeliveryStatus: StatusWaitingForShipment,
		DeliveryMethod: o.DeliveryMethod, ScheduledShippingDate: o.ScheduledShippingDate,
		TrackingNumbers: []string{}, Warehouse: DefaultLogilessWarehouseID, Store: o.Store,
		CreatedAt: now, UpdatedAt: now,
	}
}

// resolveArticleLocked finds the article for a line's article_code: the
// article master first, then the store's 商品対応表 (mapped_code).
func (l *Logiless) resolveArticleLocked(code string, store int64) *LogilessArticle {
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

// tryAllocateLocked allocates a whole order if every line's article has
// enough free stock (all or nothing).
func (l *Logiless) tryAllocateLocked(o *SalesOrder) bool {
	if o.WaitingForConfirmation || o.DocumentStatus != StatusWaitingForAllocation {
		return false
	}
	need := map[string]int{}
	for _, ln := range o.Lines {
		if !ln.IsParent && ln.Status == StatusWaitingForAllocation {
			need[ln.ArticleCode] += ln.Quantity
		}
	}
	for code, q := range need {
		inv := l.inv[code]
		if inv.available-inv.allocated < q {
			return false
		}
	}
	now := l.clock()
	for i := range o.Lines {
		ln := &o.Lines[i]
		if ln.Status != StatusWaitingForAllocation {
			continue
		}
		ln.Status = StatusAllocated
		if ln.IsParent {
			continue
		}
		inv := l.inv[ln.ArticleCode]
		inv.allocated += ln.Quantity
		inv.stockOut -= ln.Quantity
		inv.updatedAt = now
		ln.AllocatedQuantity = ln.Quantity
	}
	o.AllocationStatus = StatusAllocated
	o.DocumentStatus = StatusWaitingForShipment
	for i := range o.Deliveries {
		d := &o.Deliveries[i]
		if d.DocumentStatus != StatusCancel {
			d.AllocationStatus, d.DocumentStatus, d.UpdatedAt = StatusAllocated, StatusWaitingForShipment, now
		}
	}
	o.UpdatedAt = now
	return true
}

// allocatePendingLocked allocates waiting orders in id order while stock lasts.
func (l *Logiless) allocatePendingLocked() {
	for _, o := range l.orders {
		l.tryAllocateLocked(o)
	}
}

// ShipOptions says how ShipSalesOrder ships an order.
type ShipOptions struct {
	// Split, when larger than the order's current number of outbound
	// deliveries, first splits the unshipped part into more deliveries
	// (is_multiple_deliveries=1).
	Split int `json:"split,omitempty"`
	// Deliveries ships the next unshipped deliveries, one entry each, in
	// order; more entries than unshipped deliveries split the order. Empty
	// ships every remaining delivery with a generated tracking number.
	Deliveries []DeliveryShipment `json:"deliveries,omitempty"`
}

// DeliveryShipment is the result of shipping one outbound delivery.
type DeliveryShipment struct {
	// TrackingNumbers are the 送り状番号; empty generates one.
	TrackingNumbers []string `json:"tracking_numbers,omitempty"`
	// FinishedAt is the ship time; zero means Clock(). JSON accepts
	// "Y-m-d H:i:s" (JST) or RFC 3339.
	FinishedAt time.Time `json:"finished_at,omitzero"`
}

// UnmarshalJSON accepts finished_at as "Y-m-d H:i:s" (JST) or RFC 3339.
func (d *DeliveryShipment) UnmarshalJSON(b []byte) error {
	var w struct {
		TrackingNumbers []string `json:"tracking_numbers"`
		FinishedAt      string   `json:"finished_at"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	d.TrackingNumbers = w.TrackingNumbers
	d.FinishedAt = time.Time{}
	if w.FinishedAt != "" {
		t, err := parseJST(w.FinishedAt)
		if err != nil {
			return fmt.Errorf("finished_at: %w", err)
		}
		d.FinishedAt = t
	}
	return nil
}

// ErrNotFound is returned (wrapped) by Go methods given an unknown code.
var ErrNotFound = errors.New("not found")

// ShipSalesOrder ships a sales order, as the warehouse would: the chosen
// outbound deliveries become Shipped with their tracking numbers and
// finished_at; the order is PartlyShipped until every delivery has shipped,
// then document_status and delivery_status become Shipped, finished_at is
// set and delivery_tracking_number is the first tracking number. Allocated
// stock is consumed (available and allocated drop). Unallocated orders may
// be shipped too; they consume no stock.
func (l *Logiless) ShipSalesOrder(code string, opts ShipOptions) (SalesOrder, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	o := l.orderByCodeLocked(code)
	if o == nil {
		return SalesOrder{}, fmt.Errorf("ship sales order %q: %w", code, ErrNotFound)
	}
	if o.DocumentStatus == StatusCancel {
		return SalesOrder{}, fmt.Errorf("ship sales order %q: it is cancelled", code)
	}
	now := l.clock()
	var shipped, unshipped []int // indexes into o.Deliveries
	for i, d := range o.Deliveries {
		switch d.DeliveryStatus {
		case StatusCancel:
		case StatusShipped:
			shipped = append(shipped, i)
		default:
			unshipped = append(unshipped, i)
		}
	}
	if len(unshipped) == 0 {
		return SalesOrder{}, fmt.Errorf("ship sales order %q: every delivery has already shipped", code)
	}
	want := len(opts.Deliveries)
	if want == 0 {
		want = max(len(unshipped), opts.Split-len(shipped))
	}
	if target := max(opts.Split-len(shipped), want); target > len(unshipped) {
		l.splitLocked(o, unshipped, target, now)
		unshipped = unshipped[:0]
		for i, d := range o.Deliveries {
			if d.DeliveryStatus != StatusCancel && d.DeliveryStatus != StatusShipped {
				unshipped = append(unshipped, i)
			}
		}
	}
	for n := 0; n < want; n++ {
		var spec DeliveryShipment
		if n < len(opts.Deliveries) {
			spec = opts.Deliveries[n]
		}
		l.shipDeliveryLocked(o, &o.Deliveries[unshipped[n]], spec, now)
	}
	l.refreshOrderDeliveryLocked(o, now)
	return cloneSalesOrder(o), nil
}

// splitLocked replaces the unshipped deliveries (indexes) by n deliveries
// sharing their lines round-robin; the first keep their ids.
func (l *Logiless) splitLocked(o *SalesOrder, unshipped []int, n int, now time.Time) {
	var lineIDs []int64
	for _, i := range unshipped {
		lineIDs = append(lineIDs, o.Deliveries[i].LineIDs...)
	}
	proto := o.Deliveries[unshipped[0]]
	for len(unshipped) < n {
		d := l.newDeliveryLocked(o, now)
		d.DocumentStatus, d.AllocationStatus, d.DeliveryStatus = proto.DocumentStatus, proto.AllocationStatus, proto.DeliveryStatus
		o.Deliveries = append(o.Deliveries, d)
		unshipped = append(unshipped, len(o.Deliveries)-1)
	}
	for _, i := range unshipped {
		o.Deliveries[i].LineIDs = nil
		o.Deliveries[i].UpdatedAt = now
	}
	for k, id := range lineIDs {
		d := &o.Deliveries[unshipped[k%n]]
		d.LineIDs = append(d.LineIDs, id)
	}
	for _, i := range unshipped { // more parcels than lines: a parcel of the first line
		if len(o.Deliveries[i].LineIDs) == 0 && len(lineIDs) > 0 {
			o.Deliveries[i].LineIDs = []int64{lineIDs[0]}
		}
	}
}

func (l *Logiless) nextTrackingNumberLocked() string {
	l.trackingSeq++
	return fmt.Sprintf("4%011d", 38000000000+l.trackingSeq)
}

func (l *Logiless) shipDeliveryLocked(o *SalesOrder, d *OutboundDelivery, spec DeliveryShipment, now time.Time) {
	d.TrackingNumbers = cloneSlice(spec.TrackingNumbers)
	if len(d.TrackingNumbers) == 0 {
		d.TrackingNumbers = []string{l.nextTrackingNumberLocked()}
	}
	d.FinishedAt = spec.FinishedAt
	if d.FinishedAt.IsZero() {
		d.FinishedAt = now
	}
	d.DocumentStatus, d.DeliveryStatus, d.UpdatedAt = StatusShipped, StatusShipped, now
	for _, id := range d.LineIDs {
		for i := range o.Lines {
			if o.Lines[i].ID == id {
				l.shipLineLocked(&o.Lines[i], now)
			}
		}
	}
}

func (l *Logiless) shipLineLocked(ln *SalesOrderLine, now time.Time) {
	if ln.Status == StatusShipped || ln.Status == StatusCancel || ln.IsParent {
		return
	}
	if inv := l.inv[ln.ArticleCode]; inv != nil && ln.ArticleID != 0 {
		switch {
		case ln.AllocatedQuantity > 0:
			inv.allocated -= ln.AllocatedQuantity
			inv.available -= ln.AllocatedQuantity
			inv.shipped += ln.AllocatedQuantity
		case ln.Status == StatusWaitingForAllocation:
			inv.stockOut -= ln.Quantity
		}
		inv.updatedAt = now
	}
	ln.AllocatedQuantity = 0
	ln.Status = StatusShipped
}

// refreshOrderDeliveryLocked derives the order's delivery fields from its
// deliveries.
func (l *Logiless) refreshOrderDeliveryLocked(o *SalesOrder, now time.Time) {
	active, shipped := 0, 0
	var finished time.Time
	o.DeliveryTrackingNumber = ""
	for _, d := range o.Deliveries {
		if d.DeliveryStatus == StatusCancel {
			continue
		}
		active++
		if d.DeliveryStatus == StatusShipped {
			shipped++
			if d.FinishedAt.After(finished) {
				finished = d.FinishedAt
			}
			if o.DeliveryTrackingNumber == "" && len(d.TrackingNumbers) > 0 {
				o.DeliveryTrackingNumber = d.TrackingNumbers[0]
			}
		}
	}
	o.UpdatedAt = now
	switch {
	case shipped == 0:
	case shipped < active:
		o.DeliveryStatus = StatusPartlyShipped
	default:
		for i := range o.Lines { // lines no delivery carried ship with the last one
			l.shipLineLocked(&o.Lines[i], now)
		}
		o.DocumentStatus, o.DeliveryStatus, o.FinishedAt = StatusShipped, StatusShipped, finished
	}
	for i := range o.Lines { // parents follow their children
		if !o.Lines[i].IsParent {
			continue
		}
		all := true
		for _, c := range o.Lines {
			if c.ParentID == o.Lines[i].ID && c.Status != StatusShipped {
				all = false
			}
		}
		if all {
			o.Lines[i].Status = StatusShipped
		}
	}
}

// MarkDeliveryWorking moves the order's first unshipped delivery to
// 出荷作業中 (delivery_status Working), as the warehouse does when it starts
// picking. Reversal is then refused with 423.
func (l *Logiless) MarkDeliveryWorking(code string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	o := l.orderByCodeLocked(code)
	if o == nil {
		return fmt.Errorf("mark working %q: %w", code, ErrNotFound)
	}
	now := l.clock()
	for i := range o.Deliveries {
		d := &o.Deliveries[i]
		if d.DeliveryStatus == StatusWaitingForShipment {
			d.DeliveryStatus, d.UpdatedAt = StatusWorking, now
			o.DeliveryStatus, o.UpdatedAt = StatusWorking, now
			return nil
		}
	}
	return fmt.Errorf("mark working %q: no delivery is waiting for shipment", code)
}

// lockedError is a 423: the document's status forbids the change.
type lockedError struct{ msg string }

func (e *lockedError) Error() string { return e.msg }

// ReverseSalesOrder cancels a sales order like POST sales_orders/{id}/reversal.
// With clearsCode the order is renamed to a 13-digit code starting with
// "21", freeing its code for a new order.
func (l *Logiless) ReverseSalesOrder(code string, clearsCode bool) (SalesOrder, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	o := l.orderByCodeLocked(code)
	if o == nil {
		return SalesOrder{}, fmt.Errorf("reverse sales order %q: %w", code, ErrNotFound)
	}
	if err := l.reverseLocked(o, clearsCode); err != nil {
		return SalesOrder{}, err
	}
	return cloneSalesOrder(o), nil
}

func (l *Logiless) reverseLocked(o *SalesOrder, clearsCode bool) error {
	if o.DocumentStatus == StatusCancel {
		return &lockedError{"The sales order has already been cancelled."}
	}
	for _, d := range o.Deliveries {
		switch d.DeliveryStatus {
		case StatusWorking, StatusShipped:
			return &lockedError{fmt.Sprintf("The sales order cannot be cancelled while its outbound delivery is %s.", d.DeliveryStatus)}
		}
	}
	now := l.clock()
	for i := range o.Lines {
		ln := &o.Lines[i]
		if inv := l.inv[ln.ArticleCode]; inv != nil && !ln.IsParent && ln.ArticleID != 0 {
			switch {
			case ln.AllocatedQuantity > 0:
				inv.allocated -= ln.AllocatedQuantity
			case ln.Status == StatusWaitingForAllocation:
				inv.stockOut -= ln.Quantity
			}
			inv.updatedAt = now
		}
		ln.AllocatedQuantity = 0
		ln.Status = StatusCancel
	}
	for i := range o.Deliveries {
		d := &o.Deliveries[i]
		d.DocumentStatus, d.AllocationStatus, d.DeliveryStatus, d.UpdatedAt = StatusCancel, StatusCancel, StatusCancel, now
	}
	o.DocumentStatus, o.AllocationStatus, o.DeliveryStatus = StatusCancel, StatusCancel, StatusCancel
	o.FinishedAt, o.UpdatedAt = now, now
	if clearsCode {
		l.seq.clearedCode++
		o.OriginalCode = o.Code
		o.Code = fmt.Sprintf("21%011d", o.ID*1000+l.seq.clearedCode%1000)
	}
	l.allocatePendingLocked()
	return nil
}
