// Package orderedit decides what an edit of an imported ecforce order
// changes in its LOGILESS sales order (受注伝票), without any server: the
// fields PUT sales_orders/{id} may set, the lines line reversal may cancel,
// and what only a person can do.
//
// The connector keeps no copy of what it imported (that would be personal
// data). It knows what the import sent because the import is a pure
// function: salesorder.Build of the ecforce order as it is now is what the
// import would send now. Compared with the sales order as LOGILESS holds it,
// every difference is an edit in ecforce, unless LOGILESS changed the order
// after the connector's last write (its updated_at is newer): then nobody
// can tell which side is right, and nothing is overwritten.
//
// Plan is the decision:
//   - a difference in a field PUT accepts (buyer, recipient, preferred
//     delivery date and time, payment method, amounts) is sent, whole party
//     for the buyer and the recipient;
//   - a line of an article ecforce no longer has, or lines whose quantities
//     add up to exactly the decrease, are reversed (LOGILESS cannot change a
//     line's quantity, so any other decrease needs a person);
//   - an added line or a higher quantity, another line change (price), and
//     a field PUT cannot change (buyer_comment from the customer's remark,
//     delivery_method) need a person: Problems names them;
//   - once the warehouse works on the order (Working, PartlyShipped) every
//     difference needs a person; once it is Shipped or cancelled there is
//     nothing left to change (Closed).
//
// Fields LOGILESS left out of its answer are unknown and never compared.
package orderedit

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ecforce-logiless/connector/logiless"
)

// Reasons a difference needs a person.
const (
	ReasonChangedInLogiless = "changed-in-logiless" // LOGILESS changed the order after the connector's last write
	ReasonInWork            = "in-work"             // the warehouse works on the order (出荷作業中)
	ReasonNotWritable       = "not-writable"        // PUT cannot change the field
	ReasonLineAdded         = "line-added"          // a new line or a higher quantity
	ReasonLineDecreased     = "line-decreased"      // a lower quantity no set of whole lines makes
	ReasonLineChanged       = "line-changed"        // e.g. another price
)

// Problem is one field (a LOGILESS key, or "line <article code>") that
// needs a person, and why.
type Problem struct {
	Field  string
	Reason string
}

// Plan is what to do for one order.
type Plan struct {
	// Update holds the PUT fields; UpdateKeys names the keys that differ
	// (sorted). Empty when nothing is to be sent.
	Update     logiless.SalesOrderUpdate
	UpdateKeys []string
	// Reverse lists the LOGILESS line ids to reverse, in order.
	Reverse []int64
	// ReverseArticles names the article codes of Reverse, for reports.
	ReverseArticles []string
	// Problems are the differences only a person can settle, sorted.
	Problems []Problem
	// Closed: the order is Shipped or cancelled in LOGILESS; no edit
	// applies any more (Problems still lists what differs).
	Closed bool
}

// Empty reports whether the plan changes nothing and needs nobody.
func (p Plan) Empty() bool {
	return len(p.UpdateKeys) == 0 && len(p.Reverse) == 0 && len(p.Problems) == 0
}

// ProblemFields lists the problem fields with a reason, sorted and
// distinct.
func (p Plan) ProblemFields(reason string) []string {
	var out []string
	for _, pr := range p.Problems {
		if pr.Reason == reason && !slices.Contains(out, pr.Field) {
			out = append(out, pr.Field)
		}
	}
	sort.Strings(out)
	return out
}

// numericKeys are compared as numbers ("" and "0" are the same).
var numericKeys = []string{"use_point", "use_coupon", "delivery_fee", "sundry_fee", "discount"}

// notWritable are the keys PUT cannot change.
var notWritable = []string{"buyer_comment", "delivery_method"}

// Values is the sales order want as LOGILESS names its fields
// (logiless.EditableKeys).
func Values(want logiless.SalesOrderInput) map[string]string {
	v := map[string]string{}
	party := func(prefix string, p logiless.Party) {
		for k, s := range map[string]string{"name1": p.Name1, "name2": p.Name2, "name_kana1": p.NameKana1,
			"name_kana2": p.NameKana2, "country": p.Country, "post_code": p.PostCode, "prefecture": p.Prefecture,
			"address1": p.Address1, "address2": p.Address2, "address3": p.Address3, "phone": p.Phone, "email": p.Email} {
			v[prefix+k] = s
		}
	}
	party("buyer_", want.Buyer)
	party("recipient_", want.Recipient)
	v["delivery_preferred_date"] = want.DeliveryPreferredDate
	v["delivery_preferred_time_zone"] = want.DeliveryPreferredTimeZone
	v["payment_method"] = want.PaymentMethod
	v["use_point"] = strconv.FormatInt(want.UsePoint, 10)
	v["use_coupon"] = strconv.FormatInt(want.UseCoupon, 10)
	v["delivery_fee"] = strconv.FormatInt(want.DeliveryFee, 10)
	v["sundry_fee"] = strconv.FormatInt(want.SundryFee, 10)
	v["discount"] = strconv.FormatInt(want.Discount, 10)
	v["buyer_comment"] = want.BuyerComment
	v["delivery_method"] = want.DeliveryMethod
	return v
}

func same(key, a, b string) bool {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	if slices.Contains(numericKeys, key) {
		if a == "" {
			a = "0"
		}
		if b == "" {
			b = "0"
		}
	}
	if key == "buyer_country" || key == "recipient_country" {
		// LOGILESS defaults the country to JP.
		if a == "" {
			a = "JP"
		}
		if b == "" {
			b = "JP"
		}
	}
	return a == b
}

// WriteSettles is how long after a write LOGILESS's own follow-up of it
// (the allocation of a new order, done in the same request but perhaps
// stamped a second later) still counts as part of it: a later updated_at
// is a change made in LOGILESS (our inference; the reference does not say
// what moves updated_at, and no person edits an order within seconds of
// its import).
const WriteSettles = 2 * time.Second

// Diff plans the edit that brings cur (the sales order as LOGILESS holds
// it) to want (what the import would send now). lastWrite is when the
// connector last changed the order (the updated_at LOGILESS answered); zero
// means only the import wrote it, whose write is cur.CreatedAt.
func Diff(want logiless.SalesOrderInput, cur logiless.SalesOrderFields, lastWrite time.Time) Plan {
	var p Plan
	wantValues := Values(want)
	var differ []string
	for _, k := range logiless.EditableKeys {
		have, known := cur.Values[k]
		if known && !same(k, wantValues[k], have) {
			differ = append(differ, k)
		}
	}
	lineProblems, reverse, articles := diffLines(want.Lines, cur.SalesOrder.Lines)

	so := cur.SalesOrder
	blockAll := func(reason string) {
		for _, k := range differ {
			p.Problems = append(p.Problems, Problem{Field: k, Reason: reason})
		}
		for _, pr := range lineProblems {
			p.Problems = append(p.Problems, Problem{Field: pr.Field, Reason: reason})
		}
		for _, code := range articles {
			p.Problems = append(p.Problems, Problem{Field: "line " + code, Reason: reason})
		}
		sortProblems(p.Problems)
	}
	switch {
	case so.DocumentStatus == logiless.DocumentStatusCancel || so.DeliveryStatus == logiless.DeliveryStatusCancel ||
		so.DocumentStatus == logiless.DocumentStatusShipped || so.DeliveryStatus == logiless.DeliveryStatusShipped:
		p.Closed = true
		blockAll(ReasonInWork)
		return p
	case so.DeliveryStatus == logiless.DeliveryStatusWorking || so.DeliveryStatus == logiless.DeliveryStatusPartlyShipped:
		blockAll(ReasonInWork)
		return p
	}
	if len(differ) == 0 && len(lineProblems) == 0 && len(reverse) == 0 {
		return p
	}
	baseline := lastWrite
	if baseline.IsZero() {
		baseline = cur.CreatedAt
	}
	if baseline.IsZero() || so.UpdatedAt.After(baseline.Add(WriteSettles)) {
		blockAll(ReasonChangedInLogiless)
		return p
	}

	for _, k := range differ {
		if slices.Contains(notWritable, k) {
			p.Problems = append(p.Problems, Problem{Field: k, Reason: ReasonNotWritable})
			continue
		}
		p.UpdateKeys = append(p.UpdateKeys, k)
	}
	p.Update = update(want, p.UpdateKeys)
	if len(lineProblems) > 0 {
		// Line changes go together: no reversal while another line
		// change waits for a person.
		p.Problems = append(p.Problems, lineProblems...)
	} else {
		p.Reverse, p.ReverseArticles = reverse, articles
	}
	sort.Strings(p.UpdateKeys)
	sortProblems(p.Problems)
	return p
}

func sortProblems(ps []Problem) {
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].Field != ps[j].Field {
			return ps[i].Field < ps[j].Field
		}
		return ps[i].Reason < ps[j].Reason
	})
}

// update is the PUT of keys, from want: the buyer and the recipient whole.
func update(want logiless.SalesOrderInput, keys []string) logiless.SalesOrderUpdate {
	var u logiless.SalesOrderUpdate
	for _, k := range keys {
		switch {
		case strings.HasPrefix(k, "buyer_"):
			b := want.Buyer
			u.Buyer = &b
		case strings.HasPrefix(k, "recipient_"):
			r := want.Recipient
			u.Recipient = &r
		}
		switch k {
		case "delivery_preferred_date":
			u.DeliveryPreferredDate = ptr(want.DeliveryPreferredDate)
		case "delivery_preferred_time_zone":
			u.DeliveryPreferredTimeZone = ptr(want.DeliveryPreferredTimeZone)
		case "payment_method":
			u.PaymentMethod = ptr(want.PaymentMethod)
		case "use_point":
			u.UsePoint = ptr(want.UsePoint)
		case "use_coupon":
			u.UseCoupon = ptr(want.UseCoupon)
		case "delivery_fee":
			u.DeliveryFee = ptr(want.DeliveryFee)
		case "sundry_fee":
			u.SundryFee = ptr(want.SundryFee)
		case "discount":
			u.Discount = ptr(want.Discount)
		}
	}
	return u
}

func ptr[T any](v T) *T { return &v }

// diffLines compares the lines the import would send with LOGILESS's
// lines (components of sets and cancelled lines left out), per article
// code. It returns the line problems, or the lines to reverse.
func diffLines(want []logiless.SalesOrderLineInput, have []logiless.SalesOrderLine) (problems []Problem, reverse []int64, articles []string) {
	type group struct {
		wantQty int64
		prices  []int64
		lines   []logiless.SalesOrderLine
	}
	groups := map[string]*group{}
	var order []string
	get := func(code string) *group {
		g, ok := groups[code]
		if !ok {
			g = &group{}
			groups[code] = g
			order = append(order, code)
		}
		return g
	}
	for _, l := range want {
		g := get(l.ArticleCode)
		g.wantQty += l.Quantity
		g.prices = append(g.prices, l.Price)
	}
	for _, l := range have {
		if l.IsChild || l.Status == "Cancel" {
			continue
		}
		g := get(l.ArticleCode)
		g.lines = append(g.lines, l)
	}
	for _, code := range order {
		g := groups[code]
		var haveQty int64
		for _, l := range g.lines {
			haveQty += l.Quantity
		}
		field := "line " + code
		switch {
		case g.wantQty > haveQty:
			problems = append(problems, Problem{Field: field, Reason: ReasonLineAdded})
		case g.wantQty < haveQty:
			ids, ok := exactCover(g.lines, haveQty-g.wantQty)
			if !ok {
				problems = append(problems, Problem{Field: field, Reason: ReasonLineDecreased})
				continue
			}
			reverse = append(reverse, ids...)
			for range ids {
				articles = append(articles, code)
			}
		default:
			if !samePrices(g.prices, g.lines) {
				problems = append(problems, Problem{Field: field, Reason: ReasonLineChanged})
			}
		}
	}
	return problems, reverse, articles
}

// samePrices reports whether the lines carry the prices the import would
// send (as multisets; LOGILESS may reorder lines).
func samePrices(want []int64, lines []logiless.SalesOrderLine) bool {
	if len(want) != len(lines) {
		return true // lines merged or split: quantities agree, leave it
	}
	have := make([]int64, len(lines))
	for i, l := range lines {
		have[i] = l.Price
	}
	w := slices.Clone(want)
	slices.Sort(w)
	slices.Sort(have)
	return slices.Equal(w, have)
}

// exactCover picks lines whose quantities add up to exactly qty, fewest
// lines first, latest lines first among equals; ok=false when none do.
// Orders have few lines of one article, so the search is exhaustive up to
// 12 lines and gives up beyond.
func exactCover(lines []logiless.SalesOrderLine, qty int64) ([]int64, bool) {
	n := len(lines)
	if n == 0 || n > 12 {
		return nil, false
	}
	best := -1
	for mask := 1; mask < 1<<n; mask++ {
		var sum int64
		for i := 0; i < n; i++ {
			if mask&(1<<i) != 0 {
				sum += lines[i].Quantity
			}
		}
		if sum != qty {
			continue
		}
		if best < 0 || bitsOf(mask) < bitsOf(best) || (bitsOf(mask) == bitsOf(best) && mask > best) {
			best = mask
		}
	}
	if best < 0 {
		return nil, false
	}
	var ids []int64
	for i := 0; i < n; i++ {
		if best&(1<<i) != 0 {
			ids = append(ids, lines[i].ID)
		}
	}
	return ids, true
}

func bitsOf(m int) int {
	c := 0
	for ; m != 0; m &= m - 1 {
		c++
	}
	return c
}

// Pending reports whether an edit pass would have anything to do for the
// sales order cur, as a listing's code search returned it, and the sales
// order want the import would send now: cur's fields are known, the order
// is not shipped or cancelled, and Diff plans a write or names a problem.
// The connector's own earlier edits are not known here (lastWrite zero),
// so a LOGILESS change after the import counts as something to do: the
// pass, which knows them, decides.
func Pending(want logiless.SalesOrderInput, cur logiless.SalesOrderFields) bool {
	if cur.Values == nil {
		return true
	}
	p := Diff(want, cur, time.Time{})
	return !p.Closed && !p.Empty()
}
