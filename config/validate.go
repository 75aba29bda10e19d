package config

import (
	"fmt"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
)

var (
	shopCodeRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)
	statusKeyRE  = regexp.MustCompile(`^[a-z0-9_]+$`)
	codePrefixRE = regexp.MustCompile(`^[A-Za-z0-9-]*$`)
)

// maxCodePrefixLength leaves room for ecforce's 10-character 受注番号 in
// LOGILESS's 30-character 受注コード.
const maxCodePrefixLength = 20

// Validate reports every invalid setting of the shop, each as
// `shop "<code>": <field path>: <what is wrong>`, in a *ValidationError. It
// checks the shape of secret references but does not read the secrets
// (LoadShops does). Call ApplyDefaults first: Validate does not treat empty
// settings as defaults.
func (s *Shop) Validate() error {
	return problems(s.problems(shopLabel(s.Code, 0))).err("")
}

// problems lists what is wrong with the shop, prefixing each with label.
func (s *Shop) problems(label string) []string {
	var probs problems
	add := func(path, format string, args ...any) {
		probs.add("%s: %s: %s", label, path, fmt.Sprintf(format, args...))
	}

	switch {
	case s.Code == "":
		add("code", "required (1–32 of a-z, 0-9 and -, used in workflow IDs)")
	case !shopCodeRE.MatchString(s.Code):
		add("code", "%q must be 1–32 of a-z, 0-9 and -, starting with a letter or digit", s.Code)
	}

	// ecforce
	e := s.Ecforce
	checkURL(add, "ecforce.base_url", e.BaseURL, "the shop's ecforce API endpoint, e.g. https://shop.example.com/api/v2")
	switch e.Auth {
	case AuthToken:
		checkSecretRef(add, "ecforce.api_token", e.APIToken, "required when auth is token")
	case AuthPassword:
		if strings.TrimSpace(e.LoginID) == "" {
			add("ecforce.login_id", "required when auth is password (the API member's login ID)")
		}
		checkSecretRef(add, "ecforce.password", e.Password, "required when auth is password")
	default:
		add("ecforce.auth", "%q is not one of token, password", e.Auth)
	}
	// A reference not used by the chosen auth is still checked for shape:
	// a literal secret must not stay in the file either way.
	if e.Auth != AuthToken && e.APIToken.IsSet() {
		checkSecretRef(add, "ecforce.api_token", e.APIToken, "")
	}
	if e.Auth != AuthPassword && e.Password.IsSet() {
		checkSecretRef(add, "ecforce.password", e.Password, "")
	}
	checkRate(add, "ecforce.requests_per_second", e.RequestsPerSecond)

	// LOGILESS
	l := s.Logiless
	checkURL(add, "logiless.base_url", l.BaseURL, "")
	checkURL(add, "logiless.oauth_base_url", l.OAuthBaseURL, "")
	checkID(add, "logiless.merchant_id", l.MerchantID, "the LOGILESS merchant id")
	checkID(add, "logiless.store_id", l.StoreID, "the LOGILESS store (店舗) of this shop")
	if strings.TrimSpace(l.ClientID) == "" {
		add("logiless.client_id", "required (the OAuth client id of the LOGILESS app)")
	}
	checkSecretRef(add, "logiless.client_secret", l.ClientSecret, "required")
	checkURL(add, "logiless.redirect_uri", l.RedirectURI, "the redirect URI registered for the LOGILESS app")
	checkRate(add, "logiless.requests_per_second", l.RequestsPerSecond)

	switch {
	case strings.TrimSpace(s.LocationCode) == "":
		add("location_code", "required (the ecforce ロケーションコード, usually that of the default location)")
	case strings.IndexFunc(s.LocationCode, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		add("location_code", "%q must not contain spaces", s.LocationCode)
	}

	// 受注取込
	o := s.OrderImport
	seen := make(map[string]bool)
	for i, st := range s.Ecforce.OrderStates {
		checkStatusKey(add, fmt.Sprintf("ecforce.order_states[%d]", i), st, false)
	}
	knownState := func(path, key string) {
		if key == "" || slices.Contains(StandardOrderStates, key) || slices.Contains(s.Ecforce.OrderStates, key) {
			return
		}
		add(path, "%q is not a standard 対応状況 key (%s) and not in ecforce.order_states; if the shop has it (設定 > 受注/定期受注 > 対応状況管理), add it there",
			key, strings.Join(StandardOrderStates, ", "))
	}
	for i, st := range o.States {
		path := fmt.Sprintf("order_import.states[%d]", i)
		if checkStatusKey(add, path, st, false) {
			if st == "canceled" {
				add(path, "canceled (キャンセル) cannot be imported; a cancelled order is never imported")
			}
			knownState(path, st)
			if seen[st] {
				add(path, "%q is listed twice", st)
			}
			seen[st] = true
		}
	}
	if o.Lookback < minLookback || o.Lookback > maxLookback {
		add("order_import.lookback", "%s is not between %s and %s (180 days)", o.Lookback, shortDuration(minLookback), shortDuration(maxLookback))
	}
	checkInterval(add, "order_import.interval", o.Interval)
	checkSweep(add, "order_import", o.SweepInterval, o.Interval)
	if checkStatusKey(add, "order_import.imported_state", o.ImportedState, true) {
		knownState("order_import.imported_state", o.ImportedState)
	}
	switch {
	case len(o.CodePrefix) > maxCodePrefixLength:
		add("order_import.code_prefix", "%q is longer than %d characters (the LOGILESS 受注コード, prefix and 受注番号, is at most 30)", o.CodePrefix, maxCodePrefixLength)
	case !codePrefixRE.MatchString(o.CodePrefix):
		add("order_import.code_prefix", "%q may hold only half-width letters, digits and - (the characters of a LOGILESS 受注コード)", o.CodePrefix)
	}
	checkEnumMap(add, "order_import.payment_methods", o.PaymentMethods, "payment_method", IsPaymentMethod, paymentMethods)
	if o.DefaultPaymentMethod != "" && !IsPaymentMethod(o.DefaultPaymentMethod) {
		add("order_import.default_payment_method", "%s", enumProblem(o.DefaultPaymentMethod, "payment_method", paymentMethods))
	}
	checkEnumMap(add, "order_import.delivery_methods", o.DeliveryMethods, "delivery_method", IsDeliveryMethod, deliveryMethods)
	if o.DefaultDeliveryMethod != "" && !IsDeliveryMethod(o.DefaultDeliveryMethod) {
		add("order_import.default_delivery_method", "%s", enumProblem(o.DefaultDeliveryMethod, "delivery_method", deliveryMethods))
	}

	// 出荷通知
	n := s.ShipmentNotification
	checkInterval(add, "shipment_notification.interval", n.Interval)
	checkSweep(add, "shipment_notification", n.SweepInterval, n.Interval)
	switch {
	case n.Lookback < minLookback || n.Lookback > maxShipmentLookback:
		add("shipment_notification.lookback", "%s is not between %s and %s (30 days)", n.Lookback, shortDuration(minLookback), shortDuration(maxShipmentLookback))
	case n.Lookback < 2*n.Interval:
		add("shipment_notification.lookback", "%s is shorter than twice shipment_notification.interval %s; a missed run would lose shipments", n.Lookback, n.Interval)
	}
	if checkStatusKey(add, "shipment_notification.status_after", n.StatusAfter, true) {
		knownState("shipment_notification.status_after", n.StatusAfter)
	}
	if len(n.TrackingNumberSeparator) > maxTrackingSeparatorLength {
		add("shipment_notification.tracking_number_separator", "%q is longer than %d bytes", n.TrackingNumberSeparator, maxTrackingSeparatorLength)
	}
	for _, method := range sortedKeys(n.Carriers) {
		path := fmt.Sprintf("shipment_notification.carriers[%q]", method)
		if !IsDeliveryMethod(method) {
			add(path, "%s", enumProblem(method, "delivery_method", deliveryMethods))
		}
		if id := n.Carriers[method]; id <= 0 {
			add(path, "%d is not an ecforce shipping_carrier_id (a positive number)", id)
		}
	}
	if n.CaptureGrace < minCaptureGrace || n.CaptureGrace > maxCaptureGrace {
		add("shipment_notification.capture_grace", "%s is not between %s and %s", n.CaptureGrace, shortDuration(minCaptureGrace), shortDuration(maxCaptureGrace))
	}
	if n.BatchSize < 1 || n.BatchSize > maxBatchSize {
		add("shipment_notification.batch_size", "%d is not between 1 and %d (ecforce serves at most %d orders a page)", n.BatchSize, maxBatchSize, maxBatchSize)
	}

	// 在庫連動
	st := s.StockSync
	checkInterval(add, "stock_sync.interval", st.Interval)
	if st.FullEvery < st.Interval {
		add("stock_sync.full_every", "%s is shorter than stock_sync.interval %s", st.FullEvery, st.Interval)
	}

	// 商品対応表
	switch s.MappingSource {
	case MappingFromCSV:
		if strings.TrimSpace(s.MappingFile) == "" {
			add("mapping_file", "required (the 商品対応表 CSV used by order import and stock sync)")
		}
	case MappingFromLogiless:
		if s.MappingFile != "" {
			add("mapping_file", "not read when mapping_source is logiless (the table comes from the LOGILESS store); remove it, or set mapping_source: csv")
		}
	default:
		add("mapping_source", "%q is not one of csv, logiless", s.MappingSource)
	}
	switch s.MappingMatch {
	case MatchVariantSKU:
	case MatchProductNumber:
		if st.Enabled {
			add("mapping_match", "product_number cannot drive the stock sync (ecforce stock is written per variant_sku); set stock_sync.enabled: false or map variant SKUs")
		}
	default:
		add("mapping_match", "%q is not one of variant_sku, product_number", s.MappingMatch)
	}
	r := s.MappingRefresh
	if r.Interval < minInterval || r.Interval > maxMappingRefresh {
		add("mapping_refresh.interval", "%s is not between %s and %s", r.Interval, shortDuration(minInterval), shortDuration(maxMappingRefresh))
	}
	switch {
	case r.FullEvery < r.Interval:
		add("mapping_refresh.full_every", "%s is shorter than mapping_refresh.interval %s", r.FullEvery, r.Interval)
	case r.FullEvery > maxMappingFullRefresh:
		add("mapping_refresh.full_every", "%s is longer than %s (7 days): rows deleted in LOGILESS would stay that long", r.FullEvery, shortDuration(maxMappingFullRefresh))
	}
	return probs
}

// checkURL reports v unless it is an absolute http(s) URL without
// credentials, query or fragment. what, if set, is added to the "required"
// message.
func checkURL(add func(string, string, ...any), path, v, what string) {
	if v == "" {
		if what != "" {
			add(path, "required (%s)", what)
		} else {
			add(path, "required")
		}
		return
	}
	if msg := checkHTTPURL(v); msg != "" {
		add(path, "%s", msg)
	}
}

// checkHTTPURL returns what is wrong with an http(s) URL, or "". A URL
// carrying credentials is not echoed.
func checkHTTPURL(v string) string {
	u, err := url.Parse(v)
	switch {
	case err == nil && u.User != nil:
		return "must not contain a user name or password (put secrets in {env: NAME} or {file: PATH} settings)"
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "":
		if !strings.Contains(v, "://") {
			return fmt.Sprintf("%q is not an http(s) URL (write the scheme too, e.g. https://%s)", v, strings.TrimPrefix(v, "//"))
		}
		return fmt.Sprintf("%q is not an http(s) URL", v)
	case u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(v, "?") || strings.HasSuffix(v, "#"):
		return fmt.Sprintf("%q must not have a query or fragment", v)
	}
	return ""
}

func checkSecretRef(add func(string, string, ...any), path string, ref SecretRef, requiredMsg string) {
	if !ref.IsSet() {
		if requiredMsg != "" {
			add(path, "%s; %s", requiredMsg, useRef)
		}
		return
	}
	if msg := ref.check(); msg != "" {
		add(path, "%s", msg)
	}
}

func checkRate(add func(string, string, ...any), path string, v float64) {
	if math.IsNaN(v) || v <= 0 || v > maxRequestsPerSecond {
		add(path, "%v is not between 0 and %d (requests per second; fractions like 0.5 are allowed)", v, maxRequestsPerSecond)
	}
}

func checkID(add func(string, string, ...any), path string, v int64, what string) {
	if v == 0 {
		add(path, "required (%s, a positive number)", what)
	} else if v < 0 {
		add(path, "%d is not a positive number", v)
	}
}

func checkInterval(add func(string, string, ...any), path string, v time.Duration) {
	if v < minInterval {
		add(path, "%s is shorter than %s", v, shortDuration(minInterval))
	}
}

// checkStatusKey checks the syntax of an ecforce 対応状況 key. Whether the
// shop has it is checked against StandardOrderStates and the shop's
// ecforce.order_states: ecforce's API lists no 対応状況, so a key listed there
// that the shop lacks still fails the first status change with a
// non-retryable error (ecforce answers 422 AOR3002). It reports whether v is
// valid.
func checkStatusKey(add func(string, string, ...any), path, v string, optional bool) bool {
	switch {
	case v == "" && optional:
		return true
	case v == "":
		add(path, "must not be empty")
	case len(v) > maxStatusKeyLength || !statusKeyRE.MatchString(v):
		add(path, "%q is not an ecforce 対応状況 key (lower-case letters, digits and _, e.g. complete)", v)
	default:
		return true
	}
	return false
}

func checkEnumMap(add func(string, string, ...any), path string, m map[string]string, enum string, valid func(string) bool, values []string) {
	for _, name := range sortedKeys(m) {
		p := fmt.Sprintf("%s[%q]", path, name)
		if strings.TrimSpace(name) == "" {
			add(p, "the ecforce name must not be blank")
		}
		if v := m[name]; !valid(v) {
			add(p, "%s", enumProblem(v, enum, values))
		}
	}
}

func enumProblem(v, enum string, values []string) string {
	return fmt.Sprintf("%q is not a LOGILESS %s (one of %s)", v, enum, strings.Join(values, ", "))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// shortDuration prints 1h0m0s as 1h and 4320h0m0s as 4320h.
func shortDuration(d time.Duration) string {
	s := d.String()
	s = strings.TrimSuffix(s, "0s")
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// codeCollisions reports the shops on one LOGILESS merchant whose 受注コード
// could collide. LOGILESS codes are unique per merchant, while each ecforce
// shop numbers its orders itself, so two such shops can have the same
// 受注番号: they keep apart only if both have an order_import.code_prefix and
// neither prefix starts with the other. Shops are on one merchant when they
// have the same logiless.base_url and merchant_id.
func codeCollisions(shops []Shop) []string {
	var probs problems
	type merchant struct {
		baseURL string
		id      int64
	}
	byMerchant := map[merchant][]int{}
	var order []merchant
	for i, s := range shops {
		if s.Logiless.MerchantID <= 0 {
			continue
		}
		m := merchant{strings.TrimRight(strings.ToLower(strings.TrimSpace(s.Logiless.BaseURL)), "/"), s.Logiless.MerchantID}
		if _, seen := byMerchant[m]; !seen {
			order = append(order, m)
		}
		byMerchant[m] = append(byMerchant[m], i)
	}
	for _, m := range order {
		idx := byMerchant[m]
		for a := 0; a < len(idx); a++ {
			for b := a + 1; b < len(idx); b++ {
				sa, sb := shops[idx[a]], shops[idx[b]]
				if sa.Logiless.StoreID == sb.Logiless.StoreID {
					continue // reported as a shared store already
				}
				pa, pb := sa.OrderImport.CodePrefix, sb.OrderImport.CodePrefix
				la, lb := shopLabel(sa.Code, idx[a]), shopLabel(sb.Code, idx[b])
				var why string
				switch {
				case pa == "" && pb == "":
					why = "neither has an order_import.code_prefix"
				case pa == "" || pb == "":
					why = "one of them has no order_import.code_prefix"
				case strings.HasPrefix(pa, pb) || strings.HasPrefix(pb, pa):
					why = fmt.Sprintf("code_prefix %q and %q start alike (one is the start of the other)", pa, pb)
				default:
					continue
				}
				probs.add("%s: order_import.code_prefix: %s and %s are on LOGILESS merchant %d and their 受注コード could collide: %s; "+
					"give each shop its own prefix, none the start of another (e.g. A- and B-)", lb, la, lb, m.id, why)
			}
		}
	}
	return probs
}

// checkSweep checks a flow's sweep_interval against its interval.
func checkSweep(add func(string, string, ...any), flow string, sweep, interval time.Duration) {
	if sweep < interval {
		add(flow+".sweep_interval", "%s is shorter than %s.interval %s", sweep, flow, interval)
	}
}
