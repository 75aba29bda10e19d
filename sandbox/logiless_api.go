package sandbox

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

const warehouseName = "メイン倉庫"

// writeLL writes a LOGILESS response body (non-ASCII escaped unless PlainUTF8).
func (l *Logiless) writeLL(w http.ResponseWriter, status int, v any) {
	b, err := marshalJSON(v)
	if err != nil {
		http.Error(w, "sandbox: cannot encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	if !l.cfg.PlainUTF8 {
		b = escapeNonASCII(b)
	}
	writeRawJSON(w, status, b)
}

// llError writes {"error","error_description"}.
func (l *Logiless) llError(w http.ResponseWriter, status int, code, desc string) {
	l.writeLL(w, status, map[string]string{"error": code, "error_description": desc})
}

// validationFailed writes the 400 Validation Failed body.
func (l *Logiless) validationFailed(w http.ResponseWriter, fields map[string]string) {
	l.writeLL(w, http.StatusBadRequest, map[string]any{"code": 400, "message": "Validation Failed", "errors": fields})
}

func llFaultBody(status int) (string, []byte) {
	code, desc := "error", http.StatusText(status)
	switch {
	case status == http.StatusTooManyRequests:
		code, desc = "rate_limit_exceeded", "API rate limit exceeded. Please retry later."
	case status == http.StatusUnauthorized:
		code, desc = "invalid_token", "The access token provided is invalid."
	case status == http.StatusServiceUnavailable:
		code = "service_unavailable"
	case status >= 500:
		code = "server_error"
	}
	b, _ := marshalJSON(map[string]string{"error": code, "error_description": desc})
	return "application/json; charset=utf-8", b
}

func llLimit(w http.ResponseWriter, _ *http.Request, b *tokenBucket) bool {
	d := b.take()
	d.setHeaders(w.Header())
	if d.allowed {
		return true
	}
	w.Header().Set("Retry-After", d.retryAfterSeconds())
	_, body := llFaultBody(http.StatusTooManyRequests)
	writeRawJSON(w, http.StatusTooManyRequests, body)
	return false
}

func (l *Logiless) apiMux() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /oauth/v2/auth", l.handleAuthorize)
	m.HandleFunc("GET /oauth2/token", l.handleToken)
	m.HandleFunc("POST /oauth2/token", l.handleToken)
	const p = "/api/v1/merchant/{merchant_id}/"
	m.HandleFunc("GET "+p+"sales_orders", l.api(l.handleListSalesOrders))
	m.HandleFunc("POST "+p+"sales_orders", l.api(func(w http.ResponseWriter, r *http.Request) {
		l.llError(w, http.StatusMethodNotAllowed, "method_not_allowed", "Use POST sales_orders/new to create a sales order.")
	}))
	m.HandleFunc("POST "+p+"sales_orders/new", l.api(l.handleCreateSalesOrder))
	m.HandleFunc("POST "+p+"sales_orders/search", l.api(l.handleSearchSalesOrders))
	m.HandleFunc("GET "+p+"sales_orders/{id}", l.api(l.handleGetSalesOrder))
	m.HandleFunc("POST "+p+"sales_orders/{id}/reversal", l.api(l.handleReversal))
	m.HandleFunc("GET "+p+"outbound_deliveries", l.api(l.handleListDeliveries))
	m.HandleFunc("GET "+p+"outbound_deliveries/{id}", l.api(l.handleGetDelivery))
	m.HandleFunc("GET "+p+"articles", l.api(l.handleListArticles))
	m.HandleFunc("POST "+p+"articles/new", l.api(l.handleCreateArticle))
	m.HandleFunc("POST "+p+"articles/new/multiple", l.api(l.handleCreateArticles))
	m.HandleFunc("GET "+p+"article_maps", l.api(l.handleListArticleMaps))
	m.HandleFunc("GET "+p+"logical_inventory_summaries", l.api(l.handleListInventory))
	m.HandleFunc("POST "+p+"logical_inventory_summaries/search", l.api(l.handleSearchInventory))
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		l.llError(w, http.StatusNotFound, "not_found", "No route found for \""+r.Method+" "+r.URL.Path+"\"")
	})
	return m
}

// --- OAuth ---------------------------------------------------------------------

func (l *Logiless) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != l.cfg.ClientID {
		l.llError(w, http.StatusBadRequest, "invalid_client", "The client credentials are invalid")
		return
	}
	redirect := q.Get("redirect_uri")
	if redirect == "" {
		redirect = l.cfg.RedirectURI
	}
	if redirect != l.cfg.RedirectURI {
		l.llError(w, http.StatusBadRequest, "redirect_uri_mismatch", "The redirect URI must match the one registered for the client")
		return
	}
	target, err := url.Parse(redirect)
	if err != nil {
		l.llError(w, http.StatusBadRequest, "invalid_request", "The redirect URI is not a valid URL")
		return
	}
	back := target.Query()
	if s := q.Get("state"); s != "" {
		back.Set("state", s)
	}
	if q.Get("response_type") != "code" {
		back.Set("error", "unsupported_response_type")
	} else {
		l.mu.Lock()
		back.Set("code", l.newCodeLocked(redirect))
		l.mu.Unlock()
	}
	target.RawQuery = back.Encode()
	http.Redirect(w, r, target.String(), http.StatusFound)
}

func tokenParams(r *http.Request) url.Values {
	if r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var body map[string]json.RawMessage
		v := r.URL.Query()
		if readJSON(r, &body) == nil {
			for k, raw := range body {
				if s, ok, _ := looseString(raw); ok {
					v.Set(k, s)
				}
			}
		}
		return v
	}
	_ = r.ParseForm()
	return r.Form
}

func (l *Logiless) handleToken(w http.ResponseWriter, r *http.Request) {
	p := tokenParams(r)
	w.Header().Set("Cache-Control", "no-store")
	grant := p.Get("grant_type")
	switch grant {
	case "authorization_code", "refresh_token":
	case "":
		l.llError(w, http.StatusBadRequest, "invalid_request", "Invalid grant_type parameter or parameter missing")
		return
	default:
		l.llError(w, http.StatusBadRequest, "unsupported_grant_type", "Grant type not supported: "+grant)
		return
	}
	if p.Get("client_id") != l.cfg.ClientID || p.Get("client_secret") != l.cfg.ClientSecret {
		l.llError(w, http.StatusUnauthorized, "invalid_client", "The client credentials are invalid")
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock()
	if grant == "authorization_code" {
		code := p.Get("code")
		if code == "" {
			l.llError(w, http.StatusBadRequest, "invalid_request", "Missing parameter. \"code\" is required")
			return
		}
		c, ok := l.codes[code]
		delete(l.codes, code) // single use, whatever happens next
		switch {
		case !ok:
			l.llError(w, http.StatusBadRequest, "invalid_grant", "Code doesn't exist or is invalid for the client")
			return
		case !now.Before(c.expires):
			l.llError(w, http.StatusBadRequest, "invalid_grant", "The authorization code has expired")
			return
		case p.Get("redirect_uri") != c.redirectURI:
			l.llError(w, http.StatusBadRequest, "invalid_grant", "The redirect URI is missing or do not match")
			return
		}
		l.issued++
		l.writeLL(w, http.StatusOK, l.newTokensLocked())
		return
	}
	rt := p.Get("refresh_token")
	exp, ok := l.refresh[rt]
	switch {
	case rt == "":
		l.llError(w, http.StatusBadRequest, "invalid_request", "No \"refresh_token\" parameter found")
		return
	case !ok:
		l.llError(w, http.StatusBadRequest, "invalid_grant", "Invalid refresh token")
		return
	case !now.Before(exp):
		delete(l.refresh, rt)
		l.llError(w, http.StatusBadRequest, "invalid_grant", "Refresh token has expired")
		return
	}
	delete(l.refresh, rt) // rotation: the old refresh token is revoked
	l.refreshes++
	l.writeLL(w, http.StatusOK, l.newTokensLocked())
}

// api wraps a merchant API handler with bearer auth and the merchant check.
func (l *Logiless) api(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="Service"`)
			l.llError(w, http.StatusUnauthorized, "invalid_request", "OAuth2 authentication required")
			return
		}
		l.mu.Lock()
		exp, ok := l.access[strings.TrimSpace(tok)]
		now := l.clock()
		l.mu.Unlock()
		switch {
		case !ok:
			w.Header().Set("WWW-Authenticate", `Bearer realm="Service", error="invalid_token"`)
			l.llError(w, http.StatusUnauthorized, "invalid_token", "The access token provided is invalid.")
			return
		case !now.Before(exp):
			w.Header().Set("WWW-Authenticate", `Bearer realm="Service", error="invalid_grant"`)
			l.llError(w, http.StatusUnauthorized, "invalid_grant", "The access token provided has expired.")
			return
		}
		mid, err := strconv.Atoi(r.PathValue("merchant_id"))
		if err != nil {
			l.llError(w, http.StatusNotFound, "not_found", "Merchant not found.")
			return
		}
		if mid != l.cfg.MerchantID {
			l.llError(w, http.StatusForbidden, "access_denied", "You are not allowed to access this merchant.")
			return
		}
		h(w, r)
	}
}

// --- query helpers -----------------------------------------------------------------

const (
	llDefaultLimit = 20
	llMaxLimit     = 100
	llMaxSearch    = 100
)

// llQuery reads LOGILESS list parameters and collects validation errors.
type llQuery struct {
	q    url.Values
	errs map[string]string
}

func newLLQuery(r *http.Request) *llQuery {
	return &llQuery{q: r.URL.Query(), errs: map[string]string{}}
}

func (q *llQuery) paging() (page, limit int) {
	page, limit = 1, llDefaultLimit
	if s := q.q.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			q.errs["page"] = "1以上の値にしてください。"
		}
		page = n
	}
	if s := q.q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		switch {
		case err != nil || n < 1:
			q.errs["limit"] = "1以上の値にしてください。"
		case n > llMaxLimit:
			q.errs["limit"] = fmt.Sprintf("%d以下の値にしてください。", llMaxLimit)
		}
		limit = n
	}
	return page, limit
}

// list returns a comma-separated filter, or nil when absent.
func (q *llQuery) list(name string) []string {
	s := q.q.Get(name)
	if s == "" {
		return nil
	}
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (q *llQuery) integer(name string) (int64, bool) {
	s := q.q.Get(name)
	if s == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		q.errs[name] = msgInvalidValue
		return 0, false
	}
	return n, true
}

// timeRange reads name_from / name_to ("Y-m-d H:i:s" or "Y-m-d", JST).
// Both bounds are inclusive.
func (q *llQuery) timeRange(name string) timeRange {
	var tr timeRange
	for _, side := range []string{"_from", "_to"} {
		s := q.q.Get(name + side)
		if s == "" {
			continue
		}
		t, err := time.ParseInLocation(llTimeLayout, s, jst)
		if err != nil {
			t, err = time.ParseInLocation(dateLayout, s, jst)
			if err == nil && side == "_to" {
				t = t.Add(24*time.Hour - time.Second)
			}
		}
		if err != nil {
			q.errs[name+side] = msgBadDateTime
			continue
		}
		if side == "_from" {
			tr.from = t
		} else {
			tr.to = t
		}
	}
	return tr
}

type timeRange struct{ from, to time.Time }

func (tr timeRange) match(t time.Time) bool {
	if tr.from.IsZero() && tr.to.IsZero() {
		return true
	}
	if t.IsZero() {
		return false
	}
	t = t.Truncate(time.Second)
	return (tr.from.IsZero() || !t.Before(tr.from)) && (tr.to.IsZero() || !t.After(tr.to))
}

func matchList(vals []string, v string) bool { return vals == nil || slices.Contains(vals, v) }

// writePage answers a list request with one page of hits, each rendered,
// in LOGILESS's paging envelope.
func writePage[T any](l *Logiless, w http.ResponseWriter, hits []T, page, limit int, render func(T) any) {
	lo := min((page-1)*limit, len(hits))
	data := []any{}
	for _, h := range hits[lo:min(lo+limit, len(hits))] {
		data = append(data, render(h))
	}
	l.writeLL(w, http.StatusOK, map[string]any{"data": data, "current_page": page, "limit": limit, "total_count": len(hits)})
}

// --- rendering -------------------------------------------------------------------

func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

func articleRef(a *LogilessArticle) any {
	if a == nil {
		return nil
	}
	return map[string]any{
		"id": a.ID, "code": a.Code, "identification_code": emptyToNil(a.IdentificationCode),
		"object_code": fmt.Sprintf("AR%08d", a.ID), "model_number": emptyToNil(a.ModelNumber),
		"name": a.Name, "name_kana": nil,
	}
}

func (l *Logiless) articleByIDLocked(id int64) *LogilessArticle {
	for _, a := range l.articles {
		if a.ID == id {
			return a
		}
	}
	return nil
}

func dateOf(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.In(jst).Format(dateLayout)
}

// renderSalesOrderLocked renders an order with LOGILESS's loose typing: the
// order id is a number, line ids are strings, every other line carries price
// and quantity as strings, flags are 0/1, and both "status" and
// "document_status" are present.
func (l *Logiless) renderSalesOrderLocked(o *SalesOrder) map[string]any {
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
		"customer_code":                emptyToNil(o.CustomerCode),
		"subtotal":                     o.Subtotal,
		"tax_total":                    o.TaxTotal,
		"total":                        o.Total,
		"total_quantity":               o.TotalQuantity,
		"delivery_fee":                 o.DeliveryFee,
		"sundry_fee":                   o.SundryFee,
		"discount":                     o.Discount,
		"use_point":                    o.UsePoint,
		"use_coupon":                   o.UseCoupon,
		"posting_date":                 dateOf(o.OrderedAt),
		"document_date":                dateOf(o.OrderedAt),
		"payment_due_date":             nil,
		"waiting_for_confirmation":     flag(o.WaitingForConfirmation),
		"shipping_confirmed":           flag(o.ShippingConfirmed),
		"is_multiple_deliveries":       flag(countActive(o.Deliveries) > 1),
		"delivery_tracking_number":     emptyToNil(o.DeliveryTrackingNumber),
		"delivery_preferred_date":      emptyToNil(o.DeliveryPreferredDate),
		"delivery_preferred_time_zone": emptyToNil(o.DeliveryPreferredTimeZone),
		"buyer_comment":                emptyToNil(o.BuyerComment),
		"merchant_comment":             emptyToNil(o.MerchantComment),
		"tags":                         nonNil(o.Tags),
		"ordered_at":                   llTime(o.OrderedAt),
		"finished_at":                  llTime(o.FinishedAt),
		"created_at":                   llTime(o.CreatedAt),
		"updated_at":                   llTime(o.UpdatedAt),
		"store":                        map[string]any{"id": store.ID, "name": store.Name},
	}
	for prefix, p := range map[string]SalesOrderParty{"buyer": o.Buyer, "recipient": o.Recipient} {
		for k, v := range map[string]string{
			"name1": p.Name1, "name2": p.Name2, "name_kana1": p.NameKana1, "name_kana2": p.NameKana2,
			"country": p.Country, "post_code": p.PostCode, "prefecture": p.Prefecture,
			"address1": p.Address1, "address2": p.Address2, "address3": p.Address3,
			"phone": p.Phone, "fax": p.Fax, "email": p.Email,
		} {
			m[prefix+"_"+k] = emptyToNil(v)
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
		m[k] = emptyToNil(o.Attrs[k])
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
			"code":                      emptyToNil(ln.Code),
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

func countActive(ds []OutboundDelivery) int {
	n := 0
	for _, d := range ds {
		if d.DeliveryStatus != StatusCancel {
			n++
		}
	}
	return n
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// renderDeliveryLocked renders an outbound delivery: flags are true/false
// here, and sales_order.id is a string.
func (l *Logiless) renderDeliveryLocked(o *SalesOrder, d OutboundDelivery) map[string]any {
	lines := []any{}
	stocks := []any{}
	for _, id := range d.LineIDs {
		for _, ln := range o.Lines {
			if ln.ID != id {
				continue
			}
			lines = append(lines, map[string]any{
				"id": ln.ID, "article": articleRef(l.articleByIDLocked(ln.ArticleID)),
				"quantity": ln.Quantity, "origin": map[string]any{"id": ln.ID, "code": o.Code},
			})
			if d.DeliveryStatus == StatusShipped {
				stocks = append(stocks, map[string]any{
					"article_code": ln.ArticleCode, "quantity": ln.Quantity, "lot_number": nil, "deadline": nil,
				})
			}
		}
	}
	return map[string]any{
		"id":                        d.ID,
		"code":                      d.Code,
		"document_status":           d.DocumentStatus,
		"allocation_status":         d.AllocationStatus,
		"delivery_status":           d.DeliveryStatus,
		"delivery_method":           d.DeliveryMethod,
		"scheduled_shipping_date":   emptyToNil(d.ScheduledShippingDate),
		"delivery_tracking_numbers": nonNil(d.TrackingNumbers),
		"finished_at":               llTime(d.FinishedAt),
		"lines":                     lines,
		"shipped_actual_stocks":     stocks,
		"warehouse":                 d.Warehouse,
		"store":                     d.Store,
		"sales_order":               map[string]any{"id": strconv.FormatInt(o.ID, 10), "code": o.Code, "parent_code": nil},
		"is_combined":               false,
		"is_multiple_deliveries":    countActive(o.Deliveries) > 1,
		"created_at":                llTime(d.CreatedAt),
		"updated_at":                llTime(d.UpdatedAt),
	}
}

func renderArticle(a *LogilessArticle) map[string]any {
	m := map[string]any{
		"id": a.ID, "code": a.Code, "object_code": fmt.Sprintf("AR%08d", a.ID), "name": a.Name,
		"article_type": a.ArticleType, "created_at": llTime(a.CreatedAt), "updated_at": llTime(a.UpdatedAt),
	}
	// LOGILESS omits fields that are not set.
	if a.IdentificationCode != "" {
		m["identification_code"] = a.IdentificationCode
	}
	if a.ModelNumber != "" {
		m["model_number"] = a.ModelNumber
	}
	if a.Price != 0 {
		m["price"] = a.Price
	}
	if len(a.Components) > 0 {
		comps := make([]any, 0, len(a.Components))
		for _, c := range a.Components {
			comps = append(comps, map[string]any{"component": c.Component, "quantity": c.Quantity})
		}
		m["components"] = comps
	}
	return m
}

func (l *Logiless) renderSummaryLocked(a *LogilessArticle) map[string]any {
	s := l.summaryLocked(a)
	return map[string]any{
		"id": a.ID, "article": articleRef(a),
		"warehouse": map[string]any{"id": DefaultLogilessWarehouseID, "name": warehouseName},
		"ordered":   0, "in_transit": 0, "received": 0, "available": s.Available, "blocked": 0,
		"allocated": s.Allocated, "stock_out": s.StockOut, "free": s.Free, "shipped": s.Shipped,
		"issued": 0, "is_reorder_level": false, "updated_at": llTime(s.UpdatedAt),
	}
}

// mappedStock applies a mapping row to a free quantity: subtract the
// reserve, apply the allocation rate (floor), cap at max, send 0 below min,
// never negative. (Order of steps inferred; see logiless-api.md §5.)
func mappedStock(m *ArticleMap, free int) int {
	v := free - m.StandbyStockQuantity
	if v > 0 {
		v = v * m.StockAllocationRate / 100
	}
	if m.MaxStockQuantity != nil {
		v = min(v, *m.MaxStockQuantity)
	}
	if m.MinStockQuantity != nil && free < *m.MinStockQuantity {
		v = 0
	}
	return max(v, 0)
}

func (l *Logiless) renderArticleMapLocked(m *ArticleMap) map[string]any {
	a := l.articleLocked(m.ArticleCode)
	store, _ := l.storeLocked(m.Store)
	stock := 0
	if a != nil {
		stock = mappedStock(m, l.summaryLocked(a).Free)
	}
	return map[string]any{
		"id": m.ID, "mapped_code": m.MappedCode,
		"mapped_choice1": nil, "mapped_choice2": nil, "mapped_choice3": nil, "attr1": nil, "article_option": nil,
		"cached_stock_quantity": stock, "available_stock_quantity": stock,
		"standby_stock_quantity": m.StandbyStockQuantity, "stock_allocation_rate": m.StockAllocationRate,
		"max_stock_quantity": m.MaxStockQuantity, "min_stock_quantity": m.MinStockQuantity,
		"is_inventory_synced": true, "is_automatic_inventory_sync_enables": !m.InventorySyncDisabled,
		"has_error": false, "article": articleRef(a), "store": map[string]any{"id": store.ID, "name": store.Name},
		"updated_at": llTime(m.UpdatedAt),
	}
}

// --- sales orders ------------------------------------------------------------------

func (l *Logiless) handleListSalesOrders(w http.ResponseWriter, r *http.Request) {
	q := newLLQuery(r)
	page, limit := q.paging()
	id, hasID := q.integer("id")
	store, hasStore := q.integer("store")
	wfc, hasWFC := q.integer("waiting_for_confirmation")
	code, objectCode := q.q.Get("code"), q.q.Get("object_code")
	docStatus, delStatus := q.list("document_status"), q.list("delivery_status")
	allocStatus, payStatus, authStatus := q.list("allocation_status"), q.list("incoming_payment_status"), q.list("authorization_status")
	method := q.q.Get("delivery_method")
	ordered, finished, updated := q.timeRange("ordered_at"), q.timeRange("finished_at"), q.timeRange("updated_at")
	shipDate := q.timeRange("scheduled_shipping_date")
	if len(q.errs) > 0 {
		l.validationFailed(w, q.errs)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var hits []*SalesOrder
	for _, o := range l.orders {
		var sched time.Time
		if o.ScheduledShippingDate != "" {
			sched, _ = time.ParseInLocation(dateLayout, o.ScheduledShippingDate, jst)
		}
		if (hasID && o.ID != id) || (hasStore && o.Store != store) ||
			(hasWFC && flag(o.WaitingForConfirmation) != int(wfc)) ||
			(code != "" && !strings.Contains(o.Code, code)) || // partial match, like the real one is suspected to
			(objectCode != "" && o.ObjectCode != objectCode) ||
			(method != "" && o.DeliveryMethod != method) ||
			!matchList(docStatus, o.DocumentStatus) || !matchList(delStatus, o.DeliveryStatus) ||
			!matchList(allocStatus, o.AllocationStatus) || !matchList(payStatus, o.IncomingPaymentStatus) ||
			!matchList(authStatus, o.AuthorizationStatus) ||
			!ordered.match(o.OrderedAt) || !finished.match(o.FinishedAt) || !updated.match(o.UpdatedAt) ||
			!shipDate.match(sched) {
			continue
		}
		hits = append(hits, o)
	}
	writePage(l, w, hits, page, limit, func(o *SalesOrder) any { return l.renderSalesOrderLocked(o) })
}

func (l *Logiless) handleCreateSalesOrder(w http.ResponseWriter, r *http.Request) {
	var body struct {
		SalesOrder map[string]json.RawMessage `json:"sales_order"`
	}
	if err := readJSON(r, &body); err != nil {
		l.validationFailed(w, map[string]string{"sales_order": msgInvalidValue})
		return
	}
	if body.SalesOrder == nil {
		l.validationFailed(w, map[string]string{"sales_order": msgBlank})
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	o, verr := l.createSalesOrderLocked(body.SalesOrder)
	if verr != nil {
		l.validationFailed(w, verr.Fields)
		return
	}
	l.writeLL(w, http.StatusCreated, l.renderSalesOrderLocked(o))
}

func (l *Logiless) handleSearchSalesOrders(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Codes []json.RawMessage `json:"codes"`
		IDs   []json.RawMessage `json:"ids"`
	}
	if err := readJSON(r, &body); err != nil {
		l.validationFailed(w, map[string]string{"codes": msgInvalidValue})
		return
	}
	switch {
	case body.Codes == nil && body.IDs == nil:
		l.validationFailed(w, map[string]string{"codes": "codesまたはidsを指定してください。"})
		return
	case len(body.Codes) > llMaxSearch:
		l.validationFailed(w, map[string]string{"codes": fmt.Sprintf("%d件以下にしてください。", llMaxSearch)})
		return
	case len(body.IDs) > llMaxSearch:
		l.validationFailed(w, map[string]string{"ids": fmt.Sprintf("%d件以下にしてください。", llMaxSearch)})
		return
	}
	codes, ids := map[string]bool{}, map[int64]bool{}
	for _, raw := range body.Codes {
		if s, ok, _ := looseString(raw); ok {
			codes[s] = true
		}
	}
	for _, raw := range body.IDs {
		if n, ok, _ := looseInt(raw); ok {
			ids[n] = true
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	data := []any{}
	for _, o := range l.orders {
		if codes[o.Code] || ids[o.ID] {
			data = append(data, l.renderSalesOrderLocked(o))
		}
	}
	l.writeLL(w, http.StatusOK, map[string]any{"data": data})
}

func (l *Logiless) orderFromPathLocked(w http.ResponseWriter, r *http.Request) *SalesOrder {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if o := l.ordersByID[id]; err == nil && o != nil {
		return o
	}
	l.llError(w, http.StatusNotFound, "not_found", "The sales order was not found.")
	return nil
}

func (l *Logiless) handleGetSalesOrder(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if o := l.orderFromPathLocked(w, r); o != nil {
		l.writeLL(w, http.StatusOK, l.renderSalesOrderLocked(o))
	}
}

func (l *Logiless) handleReversal(w http.ResponseWriter, r *http.Request) {
	var body struct {
		ClearsCode json.RawMessage `json:"clears_code"`
	}
	if err := readJSON(r, &body); err != nil {
		l.validationFailed(w, map[string]string{"clears_code": msgInvalidValue})
		return
	}
	clears, _, err := looseBool(body.ClearsCode)
	if err != nil {
		l.validationFailed(w, map[string]string{"clears_code": msgInvalidValue})
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	o := l.orderFromPathLocked(w, r)
	if o == nil {
		return
	}
	if err := l.reverseLocked(o, clears); err != nil {
		var le *lockedError
		if errors.As(err, &le) {
			l.llError(w, http.StatusLocked, "locked", le.msg)
			return
		}
		l.llError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	l.writeLL(w, http.StatusOK, l.renderSalesOrderLocked(o))
}

// --- outbound deliveries -------------------------------------------------------------

type deliveryRef struct {
	o *SalesOrder
	d OutboundDelivery
}

func (l *Logiless) deliveriesLocked() []deliveryRef {
	var out []deliveryRef
	for _, o := range l.orders {
		for _, d := range o.Deliveries {
			out = append(out, deliveryRef{o, d})
		}
	}
	slices.SortFunc(out, func(a, b deliveryRef) int { return int(a.d.ID - b.d.ID) })
	return out
}

func (l *Logiless) handleListDeliveries(w http.ResponseWriter, r *http.Request) {
	q := newLLQuery(r)
	page, limit := q.paging()
	id, hasID := q.integer("id")
	store, hasStore := q.integer("store")
	wh, hasWH := q.integer("warehouse")
	objectCode := q.q.Get("object_code")
	docStatus, delStatus := q.list("document_status"), q.list("delivery_status")
	ordered, finished, updated := q.timeRange("ordered_at"), q.timeRange("finished_at"), q.timeRange("updated_at")
	if len(q.errs) > 0 {
		l.validationFailed(w, q.errs)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var hits []deliveryRef
	for _, ref := range l.deliveriesLocked() {
		d := ref.d
		if (hasID && d.ID != id) || (hasStore && d.Store != store) || (hasWH && d.Warehouse != wh) ||
			(objectCode != "" && d.Code != objectCode) ||
			!matchList(docStatus, d.DocumentStatus) || !matchList(delStatus, d.DeliveryStatus) ||
			!ordered.match(ref.o.OrderedAt) || !finished.match(d.FinishedAt) || !updated.match(d.UpdatedAt) {
			continue
		}
		hits = append(hits, ref)
	}
	writePage(l, w, hits, page, limit, func(ref deliveryRef) any { return l.renderDeliveryLocked(ref.o, ref.d) })
}

func (l *Logiless) handleGetDelivery(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, ref := range l.deliveriesLocked() {
		if ref.d.ID == id {
			l.writeLL(w, http.StatusOK, l.renderDeliveryLocked(ref.o, ref.d))
			return
		}
	}
	l.llError(w, http.StatusNotFound, "not_found", "The outbound delivery was not found.")
}

// --- articles, maps, inventory -------------------------------------------------------

func (l *Logiless) handleListArticles(w http.ResponseWriter, r *http.Request) {
	q := newLLQuery(r)
	page, limit := q.paging()
	code, ident, model := q.q.Get("code"), q.q.Get("identification_code"), q.q.Get("model_number")
	types := q.list("article_type")
	updated := q.timeRange("updated_at")
	if len(q.errs) > 0 {
		l.validationFailed(w, q.errs)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var hits []*LogilessArticle
	for _, a := range l.articles {
		if (code != "" && a.Code != code) || (ident != "" && a.IdentificationCode != ident) ||
			(model != "" && a.ModelNumber != model) || !matchList(types, a.ArticleType) || !updated.match(a.UpdatedAt) {
			continue
		}
		hits = append(hits, a)
	}
	writePage(l, w, hits, page, limit, func(a *LogilessArticle) any { return renderArticle(a) })
}

func (l *Logiless) handleCreateArticle(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Article map[string]json.RawMessage `json:"article"`
	}
	if err := readJSON(r, &body); err != nil || body.Article == nil {
		l.validationFailed(w, map[string]string{"article": msgBlank})
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	errs := map[string]string{}
	a := articleFromJSON(body.Article, "", errs)
	for k, v := range l.validateArticleLocked(a, nil) {
		if _, dup := errs[k]; !dup {
			errs[k] = v
		}
	}
	if len(errs) > 0 {
		l.validationFailed(w, errs)
		return
	}
	l.writeLL(w, http.StatusCreated, renderArticle(l.addArticleLocked(a)))
}

// maxArticlesPerRequest is the articles/new/multiple batch limit.
const maxArticlesPerRequest = 100

func (l *Logiless) handleCreateArticles(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Articles []map[string]json.RawMessage `json:"articles"`
	}
	if err := readJSON(r, &body); err != nil || len(body.Articles) == 0 {
		l.validationFailed(w, map[string]string{"articles": msgBlank})
		return
	}
	if len(body.Articles) > maxArticlesPerRequest {
		l.validationFailed(w, map[string]string{"articles": fmt.Sprintf("%d件以下にしてください。", maxArticlesPerRequest)})
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	errs := map[string]string{}
	batch := map[string]LogilessArticle{}
	var parsed []LogilessArticle
	for i, raw := range body.Articles {
		prefix := fmt.Sprintf("articles[%d].", i)
		a := articleFromJSON(raw, prefix, errs)
		for k, v := range l.validateArticleLocked(a, batch, prefix) {
			if _, dup := errs[k]; !dup {
				errs[k] = v
			}
		}
		if a.Code != "" {
			if a.ArticleType == "" {
				a.ArticleType = ArticleSingle
			}
			batch[a.Code] = a
		}
		parsed = append(parsed, a)
	}
	if len(errs) > 0 { // all or nothing
		l.validationFailed(w, errs)
		return
	}
	out := make([]any, 0, len(parsed))
	for _, a := range parsed {
		out = append(out, renderArticle(l.addArticleLocked(a)))
	}
	l.writeLL(w, http.StatusOK, out)
}

func (l *Logiless) handleListArticleMaps(w http.ResponseWriter, r *http.Request) {
	q := newLLQuery(r)
	page, limit := q.paging()
	store, hasStore := q.integer("store")
	code := q.q.Get("article_code")
	updated := q.timeRange("updated_at")
	if len(q.errs) > 0 {
		l.validationFailed(w, q.errs)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var hits []*ArticleMap
	for _, m := range l.maps {
		if (hasStore && m.Store != store) || (code != "" && m.ArticleCode != code) || !updated.match(m.UpdatedAt) {
			continue
		}
		hits = append(hits, m)
	}
	writePage(l, w, hits, page, limit, func(m *ArticleMap) any { return l.renderArticleMapLocked(m) })
}

func (l *Logiless) handleListInventory(w http.ResponseWriter, r *http.Request) {
	q := newLLQuery(r)
	page, limit := q.paging()
	code, ident := q.q.Get("article_code"), q.q.Get("identification_code")
	articleType := q.q.Get("article_type")
	if articleType == "" {
		articleType = ArticleSingle
	}
	if layer := q.q.Get("layer"); layer != "" && layer != "Article" && layer != "Warehouse" {
		q.errs["layer"] = msgInvalidChoice
	}
	if articleType != ArticleSingle && articleType != ArticleAssortment {
		q.errs["article_type"] = msgInvalidChoice
	}
	wh, hasWH := q.integer("warehouse")
	minFree, hasMin := q.integer("min_free")
	maxFree, hasMax := q.integer("max_free")
	updated := q.timeRange("updated_at")
	if len(q.errs) > 0 {
		l.validationFailed(w, q.errs)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var hits []*LogilessArticle
	for _, a := range l.articles {
		if a.ArticleType != articleType || (code != "" && a.Code != code) || (ident != "" && a.IdentificationCode != ident) ||
			(hasWH && wh != DefaultLogilessWarehouseID) {
			continue
		}
		s := l.summaryLocked(a)
		if (hasMin && int64(s.Free) < minFree) || (hasMax && int64(s.Free) > maxFree) || !updated.match(s.UpdatedAt) {
			continue
		}
		hits = append(hits, a)
	}
	writePage(l, w, hits, page, limit, func(a *LogilessArticle) any { return l.renderSummaryLocked(a) })
}

func (l *Logiless) handleSearchInventory(w http.ResponseWriter, r *http.Request) {
	var body struct {
		ArticleCodes        []string        `json:"article_codes"`
		IdentificationCodes []string        `json:"identification_codes"`
		ModelNumbers        []string        `json:"model_numbers"`
		WarehouseID         json.RawMessage `json:"warehouse_id"`
	}
	if err := readJSON(r, &body); err != nil {
		l.validationFailed(w, map[string]string{"article_codes": msgInvalidValue})
		return
	}
	errs := map[string]string{}
	for name, list := range map[string][]string{"article_codes": body.ArticleCodes, "identification_codes": body.IdentificationCodes, "model_numbers": body.ModelNumbers} {
		if len(list) > llMaxSearch {
			errs[name] = fmt.Sprintf("%d件以下にしてください。", llMaxSearch)
		}
	}
	if body.ArticleCodes == nil && body.IdentificationCodes == nil && body.ModelNumbers == nil {
		errs["article_codes"] = msgBlank
	}
	wh, hasWH, err := looseInt(body.WarehouseID)
	if err != nil {
		errs["warehouse_id"] = msgInvalidValue
	}
	if len(errs) > 0 {
		l.validationFailed(w, errs)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	data := []any{}
	if hasWH && wh != DefaultLogilessWarehouseID {
		l.writeLL(w, http.StatusOK, map[string]any{"data": data})
		return
	}
	if len(body.IdentificationCodes) == 0 && len(body.ModelNumbers) == 0 {
		// Article codes only (the usual search): look them up by code
		// instead of scanning the whole master, in the same id order.
		var hits []*LogilessArticle
		for _, code := range body.ArticleCodes {
			if a := l.byCode[code]; a != nil && !slices.Contains(hits, a) {
				hits = append(hits, a)
			}
		}
		slices.SortFunc(hits, func(x, y *LogilessArticle) int { return cmp.Compare(x.ID, y.ID) })
		for _, a := range hits {
			data = append(data, l.renderSummaryLocked(a))
		}
		l.writeLL(w, http.StatusOK, map[string]any{"data": data})
		return
	}
	for _, a := range l.articles {
		if slices.Contains(body.ArticleCodes, a.Code) ||
			(a.IdentificationCode != "" && slices.Contains(body.IdentificationCodes, a.IdentificationCode)) ||
			(a.ModelNumber != "" && slices.Contains(body.ModelNumbers, a.ModelNumber)) {
			data = append(data, l.renderSummaryLocked(a))
		}
	}
	l.writeLL(w, http.StatusOK, map[string]any{"data": data})
}
