package sandbox

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ecError writes an ecforce error body {"errors":[{"code","message"}]}.
func ecError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"errors": []map[string]string{{"code": code, "message": msg}}})
}

const (
	msgAuthFailed    = "認証に失敗しました。"
	msgOrderNotFound = "orderが見つかりません。"
	msgBulkWrapper   = "エラーが発生しました。"
)

func ecFaultBody(status int) (string, []byte) {
	switch {
	case status == http.StatusTooManyRequests:
		return "text/plain; charset=utf-8", []byte("Retry later\n")
	case status == http.StatusUnauthorized:
		return "application/json; charset=utf-8", []byte(`{"errors":[{"code":"ASS1001","message":"` + msgAuthFailed + `"}]}`)
	case status >= 500:
		return "application/json; charset=utf-8", []byte(`{"errors":[{"code":"AOR9999","message":"システムエラーが発生しました。"}]}`)
	}
	return "application/json; charset=utf-8", []byte(fmt.Sprintf(`{"errors":[{"code":"A0000","message":"%s"}]}`, http.StatusText(status)))
}

func ecLimit(w http.ResponseWriter, _ *http.Request, b *tokenBucket) bool {
	d := b.take()
	if d.allowed {
		return true
	}
	w.Header().Set("Retry-After", d.retryAfterSeconds())
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = w.Write([]byte("Retry later\n"))
	return false
}

func (e *Ecforce) apiMux() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("POST /api/v2/admins/sign_in", e.handleSignIn)
	m.HandleFunc("GET /api/v2/admins/sign_out", e.authed(e.handleSignOut))
	m.HandleFunc("DELETE /api/v2/admins/sign_out", e.authed(e.handleSignOut))
	m.HandleFunc("GET /api/v2/admin/orders", e.authed(e.handleListOrders))
	m.HandleFunc("GET /api/v2/admin/orders/{id}", e.authed(e.handleGetOrder))
	m.HandleFunc("PUT /api/v2/admin/orders/{id}", e.authed(e.handleUpdateOrder))
	m.HandleFunc("PATCH /api/v2/admin/orders/{id}", e.authed(e.handleUpdateOrder))
	m.HandleFunc("PUT /api/v2/admin/orders/bulk_update", e.authed(e.handleBulkUpdateOrders))
	m.HandleFunc("PUT /api/v2/admin/orders/shipping", e.authed(e.handleShipping))
	m.HandleFunc("POST /api/v2/admin/orders/shipping", e.authed(e.handleShipping))
	m.HandleFunc("POST /api/v2/admin/orders/payment_status/bulk_update", e.authed(e.handlePaymentBulk))
	m.HandleFunc("GET /api/v2/admin/shipping_carriers", e.authed(e.handleListCarriers))
	m.HandleFunc("GET /api/v2/admin/shipping_carriers/{id}", e.authed(e.handleGetCarrier))
	m.HandleFunc("GET /api/v2/admin/stock_items", e.authed(e.handleListStockItems))
	m.HandleFunc("PUT /api/v2/admin/stock_items", e.authed(e.handleUpdateStockItems))
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		ecError(w, http.StatusNotFound, "A0404", "ページが見つかりません。")
	})
	return m
}

// tokenHeaderRE is the only accepted Authorization shape: Token token="…".
var tokenHeaderRE = regexp.MustCompile(`^Token token="([^"]+)"$`)

func (e *Ecforce) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m := tokenHeaderRE.FindStringSubmatch(r.Header.Get("Authorization"))
		if m == nil || !e.tokenValid(m[1]) {
			ecError(w, http.StatusUnauthorized, "ASS1001", msgAuthFailed)
			return
		}
		h(w, r)
	}
}

func (e *Ecforce) handleSignIn(w http.ResponseWriter, r *http.Request) {
	var email, password string
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var body struct {
			Admin struct {
				Email    string `json:"email"`
				Password string `json:"password"`
			} `json:"admin"`
		}
		if err := readJSON(r, &body); err != nil {
			ecError(w, http.StatusBadRequest, "ASS3001", "adminパラメータが正しくありません。")
			return
		}
		email, password = body.Admin.Email, body.Admin.Password
	} else {
		if err := r.ParseForm(); err != nil {
			ecError(w, http.StatusBadRequest, "ASS3001", "adminパラメータが正しくありません。")
			return
		}
		email, password = r.PostForm.Get("admin[email]"), r.PostForm.Get("admin[password]")
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.clock()
	recent := e.signInAttempts[:0]
	for _, t := range e.signInAttempts {
		if now.Sub(t) < time.Hour {
			recent = append(recent, t)
		}
	}
	e.signInAttempts = recent
	if len(recent) >= e.cfg.SignInsPerHour {
		w.Header().Set("Retry-After", strconv.Itoa(int(time.Hour.Seconds()-now.Sub(recent[0]).Seconds())+1))
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte("Retry later\n"))
		e.logger.Warn("sandbox ecforce: sign-in throttled", "attempts_last_hour", len(recent))
		return
	}
	e.signInAttempts = append(e.signInAttempts, now)
	if email != e.cfg.AdminEmail || password != e.cfg.AdminPassword {
		ecError(w, http.StatusUnauthorized, "ASS1002", "メールアドレスまたはパスワードが違います。")
		return
	}
	tok := newSecret(16)
	e.sessions[tok] = true
	e.signIns++
	writeJSON(w, http.StatusOK, map[string]any{"id": 1, "email": e.cfg.AdminEmail, "authentication_token": tok})
}

func (e *Ecforce) handleSignOut(w http.ResponseWriter, r *http.Request) {
	m := tokenHeaderRE.FindStringSubmatch(r.Header.Get("Authorization"))
	e.mu.Lock()
	delete(e.sessions, m[1]) // the static API token is not a session and stays valid
	e.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// --- JSON:API rendering ---------------------------------------------------

type jaResource struct {
	ID            string         `json:"id"`
	Type          string         `json:"type"`
	Attributes    map[string]any `json:"attributes"`
	Relationships map[string]any `json:"relationships,omitempty"`
}

type jaRef struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

func idStr(id int64) string { return strconv.FormatInt(id, 10) }

func nullableInt(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

func (e *Ecforce) orderResourceLocked(o *EcforceOrder) jaResource {
	human, _ := e.stateLabelLocked(o.State)
	var carrierName any
	if c, ok := e.carrierLocked(o.ShippingCarrierID); ok {
		carrierName = c.Name
	}
	var slip any
	if o.ShippingSlip != "" {
		slip = o.ShippingSlip
	}
	items := make([]jaRef, 0, len(o.Items))
	for _, it := range o.Items {
		items = append(items, jaRef{idStr(it.ID), "order_item"})
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
		"scheduled_to_be_shipped_at":   ecTime(o.ScheduledToBeShippedAt),
		"scheduled_to_be_delivered_at": ecTime(o.ScheduledToBeDeliveredAt),
		"scheduled_delivery_time":      emptyToNil(o.ScheduledDeliveryTime),
		"shipping_carrier_id":          nullableInt(o.ShippingCarrierID),
		"shipping_carrier_name":        carrierName,
		"shipping_slip":                slip,
		"shipped_at":                   ecTime(o.ShippedAt),
		"remark":                       emptyToNil(o.Remark),
		"memo01":                       emptyToNil(o.Memo01),
		"memo02":                       emptyToNil(o.Memo02),
		"stock_location_id":            loc.id,
		"stock_location_name":          loc.name,
		"multiple_shipping":            false,
		"created_at":                   ecTime(o.CreatedAt),
		"updated_at":                   ecTime(o.UpdatedAt),
	}
	return jaResource{
		ID: idStr(o.ID), Type: "order", Attributes: attrs,
		Relationships: map[string]any{
			"order_items":        map[string]any{"data": items},
			"shipping_address":   map[string]any{"data": jaRef{idStr(o.ShippingAddress.ID), "address"}},
			"shipping_addresses": map[string]any{"data": []jaRef{{idStr(o.ShippingAddress.ID), "address"}}},
			"billing_address":    map[string]any{"data": jaRef{idStr(o.BillingAddress.ID), "address"}},
			"customer":           map[string]any{"data": jaRef{idStr(o.CustomerID), "customer"}},
		},
	}
}

func emptyToNil(s string) any {
	if s == "" {
		return nil
	}
	return s
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
func itemResource(o *EcforceOrder, it EcforceOrderItem) jaResource {
	var price, qty any = it.Price, it.Quantity
	if it.ID%2 == 0 {
		price, qty = strconv.FormatInt(it.Price, 10), strconv.Itoa(it.Quantity)
	}
	return jaResource{
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
			"created_at":              ecTime(o.CreatedAt),
			"updated_at":              ecTime(o.CreatedAt),
		},
	}
}

func addressResource(a EcforceAddress) jaResource {
	return jaResource{
		ID: idStr(a.ID), Type: "address",
		Attributes: map[string]any{
			"id":              a.ID,
			"name01":          a.Name01,
			"name02":          a.Name02,
			"kana01":          a.Kana01,
			"kana02":          a.Kana02,
			"company_name":    emptyToNil(a.CompanyName),
			"zip01":           a.Zip01,
			"zip02":           a.Zip02,
			"prefecture_id":   a.PrefectureID,
			"prefecture_name": a.PrefectureName,
			"addr01":          a.Addr01,
			"addr02":          a.Addr02,
			"addr03":          emptyToNil(a.Addr03),
			"tel01":           a.Tel01,
			"tel02":           a.Tel02,
			"tel03":           a.Tel03,
			"full_name":       a.Name01 + " " + a.Name02,
			"full_kana":       a.Kana01 + " " + a.Kana02,
			"full_zip":        a.Zip01 + "-" + a.Zip02,
			"full_tel":        a.Tel01 + "-" + a.Tel02 + "-" + a.Tel03,
			"full_address":    a.PrefectureName + a.Addr01 + a.Addr02 + a.Addr03,
		},
	}
}

// parseIncludes returns the requested relationship names.
func parseIncludes(q url.Values) map[string]bool {
	out := map[string]bool{}
	for _, v := range q["include"] {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out[p] = true
			}
		}
	}
	return out
}

// orderIncludedLocked renders the included resources of the given orders.
func orderIncludedLocked(orders []*EcforceOrder, inc map[string]bool) []jaResource {
	included := []jaResource{}
	seen := map[string]bool{}
	add := func(r jaResource) {
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
		if inc["shipping_address"] || inc["shipping_addresses"] {
			add(addressResource(o.ShippingAddress))
		}
		if inc["billing_address"] {
			add(addressResource(o.BillingAddress))
		}
	}
	return included
}

// listDoc renders a JSON:API list document with meta and links.
func listDoc(r *http.Request, data []jaResource, included []jaResource, p pageInfo) map[string]any {
	doc := map[string]any{
		"data": data,
		"meta": map[string]any{
			"total_count": p.total, "page": p.page, "per": p.per,
			"count": len(data), "total_pages": p.totalPages,
		},
		"links": pageLinks(r, p),
	}
	if included != nil {
		doc["included"] = included
	}
	return doc
}

func pageLinks(r *http.Request, p pageInfo) map[string]any {
	link := func(page int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(page))
		q.Set("per", strconv.Itoa(p.per))
		return "http://" + r.Host + r.URL.Path + "?" + q.Encode()
	}
	last := max(p.totalPages, 1)
	links := map[string]any{"self": link(p.page), "first": link(1), "last": link(last), "prev": nil, "next": nil}
	if p.page > 1 {
		links["prev"] = link(min(p.page-1, last))
	}
	if p.page < p.totalPages {
		links["next"] = link(p.page + 1)
	}
	return links
}

var orderFields = ransackFields[*EcforceOrder]{
	"id":                           func(o *EcforceOrder) fieldValue { return intVal(o.ID) },
	"number":                       func(o *EcforceOrder) fieldValue { return strVal(o.Number) },
	"state":                        func(o *EcforceOrder) fieldValue { return strVal(o.State) },
	"payment_state":                func(o *EcforceOrder) fieldValue { return strVal(o.PaymentState) },
	"email":                        func(o *EcforceOrder) fieldValue { return strVal(o.Email) },
	"customer_id":                  func(o *EcforceOrder) fieldValue { return intVal(o.CustomerID) },
	"total":                        func(o *EcforceOrder) fieldValue { return intVal(o.Total) },
	"shipping_carrier_id":          func(o *EcforceOrder) fieldValue { return intVal(o.ShippingCarrierID) },
	"shipping_slip":                func(o *EcforceOrder) fieldValue { return strVal(o.ShippingSlip) },
	"stock_location_id":            func(o *EcforceOrder) fieldValue { return intVal(o.StockLocationID) },
	"scheduled_to_be_shipped_at":   func(o *EcforceOrder) fieldValue { return timeVal(o.ScheduledToBeShippedAt) },
	"scheduled_to_be_delivered_at": func(o *EcforceOrder) fieldValue { return timeVal(o.ScheduledToBeDeliveredAt) },
	"shipped_at":                   func(o *EcforceOrder) fieldValue { return timeVal(o.ShippedAt) },
	"created_at":                   func(o *EcforceOrder) fieldValue { return timeVal(o.CreatedAt) },
	"updated_at":                   func(o *EcforceOrder) fieldValue { return timeVal(o.UpdatedAt) },
}

func (e *Ecforce) handleListOrders(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	inc := parseIncludes(q)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.settleLocked()
	orders := applyRansack(cloneSlice(e.orders), q, orderFields)
	applySort(orders, q.Get("sort"), orderFields, func(o *EcforceOrder) int64 { return o.ID })
	p := ecPaging(q, len(orders))
	lo, hi := p.window()
	page := orders[lo:hi]
	data := make([]jaResource, 0, len(page))
	for _, o := range page {
		data = append(data, e.orderResourceLocked(o))
	}
	var included []jaResource
	if len(inc) > 0 {
		included = orderIncludedLocked(page, inc)
	}
	writeJSON(w, http.StatusOK, listDoc(r, data, included, p))
}

// orderDocLocked renders a single-order document honouring ?include=.
func (e *Ecforce) orderDocLocked(r *http.Request, o *EcforceOrder) map[string]any {
	doc := map[string]any{"data": e.orderResourceLocked(o)}
	if inc := parseIncludes(r.URL.Query()); len(inc) > 0 {
		doc["included"] = orderIncludedLocked([]*EcforceOrder{o}, inc)
	}
	return doc
}

func (e *Ecforce) lookupOrderLocked(w http.ResponseWriter, r *http.Request) *EcforceOrder {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if o, ok := e.ordersByID[id]; err == nil && ok {
		return o
	}
	ecError(w, http.StatusNotFound, "AOR2001", msgOrderNotFound)
	return nil
}

func (e *Ecforce) handleGetOrder(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.settleLocked()
	if o := e.lookupOrderLocked(w, r); o != nil {
		writeJSON(w, http.StatusOK, e.orderDocLocked(r, o))
	}
}

// ecFieldError is a per-record error code/message.
type ecFieldError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

var (
	errBadState   = ecFieldError{"AOR3002", "stateパラメータが正しくありません。"}
	errBadCarrier = ecFieldError{"AOR3003", "shipping_carrier_idパラメータが正しくありません。"}
)

// applyOrderAttrsLocked applies the permitted keys of an order update body;
// unpermitted keys are silently dropped (Rails strong parameters). It
// validates everything before changing anything.
func (e *Ecforce) applyOrderAttrsLocked(o *EcforceOrder, attrs map[string]json.RawMessage) *ecFieldError {
	next := *o
	for key, raw := range attrs {
		switch key {
		case "state":
			s, _, err := looseString(raw)
			if _, ok := e.stateLabelLocked(s); err != nil || !ok {
				return &errBadState
			}
			next.State = s
		case "shipping_carrier_id":
			id, ok, err := looseInt(raw)
			if err != nil {
				return &errBadCarrier
			}
			if ok {
				if _, known := e.carrierLocked(id); !known {
					return &errBadCarrier
				}
			}
			next.ShippingCarrierID = id
		case "remark", "memo01", "memo02", "scheduled_delivery_time":
			s, _, err := looseString(raw)
			if err != nil {
				return &ecFieldError{"AOR3001", key + "パラメータが正しくありません。"}
			}
			switch key {
			case "remark":
				next.Remark = s
			case "memo01":
				next.Memo01 = s
			case "memo02":
				next.Memo02 = s
			default:
				next.ScheduledDeliveryTime = s
			}
		case "scheduled_to_be_shipped_at", "scheduled_to_be_delivered_at":
			s, ok, err := looseString(raw)
			var t time.Time
			if err == nil && ok && s != "" {
				t, err = parseJST(s)
			}
			if err != nil {
				return &ecFieldError{"AOR3001", key + "パラメータが正しくありません。"}
			}
			if key == "scheduled_to_be_shipped_at" {
				next.ScheduledToBeShippedAt = t
			} else {
				next.ScheduledToBeDeliveredAt = t
			}
		}
	}
	changed := next.State != o.State || next.ShippingCarrierID != o.ShippingCarrierID ||
		next.Remark != o.Remark || next.Memo01 != o.Memo01 || next.Memo02 != o.Memo02 ||
		next.ScheduledDeliveryTime != o.ScheduledDeliveryTime ||
		!next.ScheduledToBeShippedAt.Equal(o.ScheduledToBeShippedAt) ||
		!next.ScheduledToBeDeliveredAt.Equal(o.ScheduledToBeDeliveredAt)
	if changed {
		next.UpdatedAt = e.clock()
		*o = next
	}
	return nil
}

func (e *Ecforce) handleUpdateOrder(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Order map[string]json.RawMessage `json:"order"`
	}
	if err := readJSON(r, &body); err != nil || body.Order == nil {
		ecError(w, http.StatusBadRequest, "AOR3001", "orderパラメータが正しくありません。")
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.settleLocked()
	o := e.lookupOrderLocked(w, r)
	if o == nil {
		return
	}
	if fe := e.applyOrderAttrsLocked(o, body.Order); fe != nil {
		ecError(w, http.StatusUnprocessableEntity, fe.Code, fe.Message)
		return
	}
	writeJSON(w, http.StatusOK, e.orderDocLocked(r, o))
}

// bulkResult is the {"success","failure","errors"} body of bulk endpoints.
type bulkResult struct {
	Success []any       `json:"success"`
	Failure []any       `json:"failure"`
	Errors  []bulkError `json:"errors"`
}

type bulkError struct {
	ID      any            `json:"id"`
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Errors  []ecFieldError `json:"errors"`
}

func newBulkResult() *bulkResult {
	return &bulkResult{Success: []any{}, Failure: []any{}, Errors: []bulkError{}}
}

func (b *bulkResult) fail(id any, prefix string, errs ...ecFieldError) {
	b.Failure = append(b.Failure, id)
	b.Errors = append(b.Errors, bulkError{ID: id, Code: prefix + "0000", Message: msgBulkWrapper, Errors: errs})
}

// recordID renders a record id for a bulk result: the parsed number, or the
// raw value when it is not a number.
func recordID(raw json.RawMessage) (int64, any, bool) {
	id, ok, err := looseInt(raw)
	if err != nil || !ok {
		s, _, _ := looseString(raw)
		return 0, s, false
	}
	return id, id, true
}

func (e *Ecforce) handleBulkUpdateOrders(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Orders []map[string]json.RawMessage `json:"orders"`
	}
	if err := readJSON(r, &body); err != nil || body.Orders == nil {
		ecError(w, http.StatusBadRequest, "AOR3001", "ordersパラメータが正しくありません。")
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.settleLocked()
	res := newBulkResult()
	for _, rec := range body.Orders {
		id, shown, ok := recordID(rec["id"])
		o := e.ordersByID[id]
		if !ok || o == nil {
			res.fail(shown, "AOR", ecFieldError{"AOR2001", msgOrderNotFound})
			continue
		}
		delete(rec, "id")
		if fe := e.applyOrderAttrsLocked(o, rec); fe != nil {
			res.fail(shown, "AOR", *fe)
			continue
		}
		res.Success = append(res.Success, id)
	}
	writeJSON(w, http.StatusOK, res)
}

func flag01(raw json.RawMessage) bool {
	v, _, _ := looseBool(raw)
	return v
}

func (e *Ecforce) handleShipping(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Orders    []map[string]json.RawMessage `json:"orders"`
		WithSale  json.RawMessage              `json:"with_sale"`
		WithAsync json.RawMessage              `json:"with_async"`
	}
	if err := readJSON(r, &body); err != nil || len(body.Orders) == 0 {
		ecError(w, http.StatusBadRequest, "AOR3001", "ordersパラメータが正しくありません。")
		return
	}
	withSale, async := flag01(body.WithSale), flag01(body.WithAsync)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.settleLocked()
	res := newBulkResult()
	var done []int64
	for _, rec := range body.Orders {
		id, shown, ok := recordID(rec["id"])
		o := e.ordersByID[id]
		if !ok || o == nil {
			res.fail(shown, "AOR", ecFieldError{"AOR2001", msgOrderNotFound})
			continue
		}
		if raw, has := rec["shipping_address_id"]; has {
			addr, ok, err := looseInt(raw)
			if ok && err == nil {
				shown = fmt.Sprintf("%d-%d", id, addr)
			}
			if err != nil || (ok && addr != o.ShippingAddress.ID) {
				res.fail(shown, "AOR", ecFieldError{"AOR2002", "shipping_addressが見つかりません。"})
				continue
			}
		}
		next := *o
		var fe *ecFieldError
		if raw, has := rec["shipping_carrier_id"]; has {
			cid, ok, err := looseInt(raw)
			if _, known := e.carrierLocked(cid); err != nil || (ok && !known) {
				fe = &errBadCarrier
			}
			next.ShippingCarrierID = cid
		}
		if raw, has := rec["shipping_slip"]; has && fe == nil {
			s, _, err := looseString(raw)
			if err != nil {
				fe = &ecFieldError{"AOR3001", "shipping_slipパラメータが正しくありません。"}
			}
			next.ShippingSlip = s
		}
		if raw, has := rec["shipped_at"]; has && fe == nil {
			s, ok, err := looseString(raw)
			var t time.Time
			if err == nil && ok {
				t, err = parseJST(s)
			}
			if err != nil {
				fe = &ecFieldError{"AOR3004", "shipped_atパラメータが正しくありません。"}
			}
			next.ShippedAt = t
		}
		if fe != nil {
			res.fail(shown, "AOR", *fe)
			continue
		}
		next.UpdatedAt = e.clock()
		*o = next // overwrites earlier values; state is deliberately untouched
		if withSale {
			e.paymentActionLocked(o, "sales")
		}
		res.Success = append(res.Success, shown)
		done = append(done, id)
	}
	if async {
		j := e.newJobLocked("shipping", done)
		writeJSON(w, http.StatusOK, map[string]any{"job_id": j.JobID})
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (e *Ecforce) handlePaymentBulk(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Method   string            `json:"method"`
		OrderIDs []json.RawMessage `json:"order_ids"`
	}
	if err := readJSON(r, &body); err != nil {
		ecError(w, http.StatusBadRequest, "AOR3001", "パラメータが正しくありません。")
		return
	}
	switch body.Method {
	case "sales", "void", "force_void", "reauth":
	default:
		ecError(w, http.StatusBadRequest, "AOR3005", "methodパラメータが正しくありません。")
		return
	}
	if len(body.OrderIDs) == 0 {
		ecError(w, http.StatusBadRequest, "AOR3001", "order_idsパラメータが正しくありません。")
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.settleLocked()
	var ids []int64
	for _, raw := range body.OrderIDs {
		id, _, ok := recordID(raw)
		if o := e.ordersByID[id]; ok && o != nil {
			e.paymentActionLocked(o, body.Method)
			ids = append(ids, id)
		}
	}
	j := e.newJobLocked("payment_status:"+body.Method, ids)
	writeJSON(w, http.StatusOK, map[string]any{"id": j.ID, "job_id": j.JobID})
}

var carrierFields = ransackFields[ShippingCarrier]{
	"id":   func(c ShippingCarrier) fieldValue { return intVal(c.ID) },
	"name": func(c ShippingCarrier) fieldValue { return strVal(c.Name) },
}

func carrierResource(c ShippingCarrier) jaResource {
	return jaResource{ID: idStr(c.ID), Type: "shipping_carrier", Attributes: map[string]any{
		"id": c.ID, "name": c.Name, "state": "active", "human_state": "有効", "default": c.Default,
	}}
}

func (e *Ecforce) handleListCarriers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	e.mu.Lock()
	carriers := applyRansack(cloneSlice(e.carriers), q, carrierFields)
	e.mu.Unlock()
	p := ecPaging(q, len(carriers))
	lo, hi := p.window()
	data := []jaResource{}
	for _, c := range carriers[lo:hi] {
		data = append(data, carrierResource(c))
	}
	writeJSON(w, http.StatusOK, listDoc(r, data, nil, p))
}

func (e *Ecforce) handleGetCarrier(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	e.mu.Lock()
	c, ok := e.carrierLocked(id)
	e.mu.Unlock()
	if !ok {
		ecError(w, http.StatusNotFound, "ASC2001", "shipping_carrierが見つかりません。")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": carrierResource(c)})
}

var stockItemFields = ransackFields[*EcforceStockItem]{
	"id":                  func(s *EcforceStockItem) fieldValue { return intVal(s.ID) },
	"variant_sku":         func(s *EcforceStockItem) fieldValue { return strVal(s.VariantSKU) },
	"product_number":      func(s *EcforceStockItem) fieldValue { return strVal(s.ProductNumber) },
	"stock_location_code": func(s *EcforceStockItem) fieldValue { return strVal(s.StockLocationCode) },
	"stock_location_id":   func(s *EcforceStockItem) fieldValue { return intVal(s.StockLocationID) },
	"stock":               func(s *EcforceStockItem) fieldValue { return intVal(int64(s.Stock)) },
	"created_at":          func(s *EcforceStockItem) fieldValue { return timeVal(s.CreatedAt) },
	"updated_at":          func(s *EcforceStockItem) fieldValue { return timeVal(s.UpdatedAt) },
}

func stockItemResource(s *EcforceStockItem) jaResource {
	return jaResource{ID: idStr(s.ID), Type: "stock_item", Attributes: map[string]any{
		"id":                  s.ID,
		"stock_location_id":   s.StockLocationID,
		"stock_location_code": s.StockLocationCode,
		"stock_location_name": s.StockLocationName,
		"product_id":          s.VariantID,
		"product_number":      s.ProductNumber,
		"variant_id":          s.VariantID,
		"variant_sku":         s.VariantSKU,
		"stock":               s.Stock,
		"stock_unlimited":     false,
		"stock_alert":         false,
		"stock_borderline":    nil,
		"created_at":          ecTime(s.CreatedAt),
		"updated_at":          ecTime(s.UpdatedAt),
		"deleted_at":          nil,
	}}
}

func (e *Ecforce) handleListStockItems(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	e.mu.Lock()
	defer e.mu.Unlock()
	items := applyRansack(e.stockCandidatesLocked(q), q, stockItemFields)
	applySort(items, q.Get("sort"), stockItemFields, func(s *EcforceStockItem) int64 { return s.ID })
	p := ecPaging(q, len(items))
	lo, hi := p.window()
	data := []jaResource{}
	for _, s := range items[lo:hi] {
		data = append(data, stockItemResource(s))
	}
	writeJSON(w, http.StatusOK, listDoc(r, data, nil, p))
}

// stockCandidatesLocked returns the stock items a listing must filter: when
// the query names SKUs (q[variant_sku_eq] or q[variant_sku_in]) only theirs,
// found through the SKU index, else a copy of all of them; either way in
// ascending id order. The ransack filter then applies as usual, so the answer
// is the same as filtering everything, without scanning 100k items per call.
func (e *Ecforce) stockCandidatesLocked(q url.Values) []*EcforceStockItem {
	for _, c := range parseRansack(q) {
		if c.attr != "variant_sku" || (c.pred != "eq" && c.pred != "in") {
			continue
		}
		var out []*EcforceStockItem
		seen := map[string]bool{}
		for _, v := range c.values {
			v = strings.TrimSpace(v)
			if seen[v] {
				continue
			}
			seen[v] = true
			out = append(out, e.stockBySKU[v]...)
		}
		slices.SortFunc(out, func(a, b *EcforceStockItem) int { return cmp.Compare(a.ID, b.ID) })
		return out
	}
	return cloneSlice(e.stockItems)
}

// maxStockItemsPerRequest is the PUT /stock_items batch limit.
const maxStockItemsPerRequest = 100

func (e *Ecforce) handleUpdateStockItems(w http.ResponseWriter, r *http.Request) {
	var body struct {
		StockItems []map[string]json.RawMessage `json:"stock_items"`
	}
	if err := readJSON(r, &body); err != nil || len(body.StockItems) == 0 {
		ecError(w, http.StatusBadRequest, "ASI3001", "stock_itemsパラメータが正しくありません。")
		return
	}
	if len(body.StockItems) > maxStockItemsPerRequest {
		ecError(w, http.StatusBadRequest, "ASI3003", fmt.Sprintf("stock_itemsは一度に%d件までです。", maxStockItemsPerRequest))
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.clock()
	res := newBulkResult()
	for _, rec := range body.StockItems {
		sku, _, skuErr := looseString(rec["variant_sku"])
		loc, _, locErr := looseString(rec["stock_location_code"])
		echo := map[string]any{"variant_sku": sku, "stock_location_code": loc, "stock": rawValue(rec["stock"])}
		var errs []ecFieldError
		if skuErr != nil || sku == "" {
			errs = append(errs, ecFieldError{"ASI3001", "variant_skuパラメータが正しくありません。"})
		}
		if locErr != nil || loc == "" {
			errs = append(errs, ecFieldError{"ASI3004", "stock_location_codeパラメータが正しくありません。"})
		}
		stock, ok, err := looseInt(rec["stock"])
		if err != nil || !ok || stock < 0 {
			errs = append(errs, ecFieldError{"ASI3002", "stockパラメータが正しくありません。"})
		}
		var si *EcforceStockItem
		if len(errs) == 0 {
			if si = e.stockItemLocked(sku, loc); si == nil {
				errs = append(errs, ecFieldError{"ASI2002", "stock_locationに在庫が見つかりません。"})
			}
		}
		if len(errs) > 0 {
			res.Failure = append(res.Failure, echo)
			res.Errors = append(res.Errors, bulkError{ID: sku, Code: "ASI0000", Message: msgBulkWrapper, Errors: errs})
			continue
		}
		if si.Stock != int(stock) {
			si.UpdatedAt = now
		}
		si.Stock = int(stock)
		si.Writes++
		echo["stock"] = strconv.FormatInt(stock, 10)
		res.Success = append(res.Success, echo)
	}
	writeJSON(w, http.StatusOK, res)
}

// rawValue turns a raw JSON value back into a Go value for echoing.
func rawValue(raw json.RawMessage) any {
	if len(raw) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil
	}
	return v
}
