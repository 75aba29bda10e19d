package logiless

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"time"
)

// Party is a buyer (注文者) or a recipient (送付先). It holds personal data:
// fmt and log/slog print only its prefecture and country.
type Party struct {
	Name1      string // family name, or the full name
	Name2      string // given name
	NameKana1  string
	NameKana2  string
	Country    string // ISO code; LOGILESS defaults to JP
	PostCode   string
	Prefecture string
	Address1   string
	Address2   string
	Address3   string
	Phone      string
	Email      string
}

// String describes the party without personal data.
func (p Party) String() string {
	if p == (Party{}) {
		return "logiless.Party{}"
	}
	return fmt.Sprintf("logiless.Party{Country: %q, Prefecture: %q, personal data redacted}", p.Country, p.Prefecture)
}

// GoString hides personal data from %#v.
func (p Party) GoString() string { return p.String() }

// Format makes every fmt verb print the redacted String.
func (p Party) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, p.String()) }

// LogValue implements slog.LogValuer without personal data.
func (p Party) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("country", p.Country),
		slog.String("prefecture", p.Prefecture),
		slog.Bool("has_name", p.Name1 != "" || p.Name2 != ""),
	)
}

// SalesOrderLineInput is one line of a new sales order.
type SalesOrderLineInput struct {
	ArticleCode  string // LOGILESS article code (after the 商品対応表 mapping)
	ArticleName  string
	Quantity     int64
	Price        int64  // unit price in yen; LOGILESS defaults to 0
	TaxIndicator string // TaxIncluded, TaxExcluded or Exempt; "" leaves LOGILESS's default
	// TaxRate is the percentage. It is sent when non-zero or when
	// TaxIndicator is set (so 0 can be said explicitly); otherwise
	// LOGILESS applies its default of 10.
	TaxRate int
}

// SalesOrderInput is a new LOGILESS sales order (受注伝票) with the
// create fields an ecforce order can fill. Its JSON form is the request
// body LOGILESS expects, {"sales_order":{…}} with snake_case names and
// empty optional fields left out, and it decodes back from that form.
// fmt and log/slog show only its code, store and line count.
type SalesOrderInput struct {
	Code         string // the order code (ecforce 受注番号); unique per merchant
	Store        int64  // LOGILESS store id
	CustomerCode string

	Buyer     Party
	Recipient Party

	PaymentMethod         string // LOGILESS enum, e.g. credit_card_payment, cod
	DeliveryMethod        string // LOGILESS enum, e.g. yamato, sagawa
	IncomingPaymentStatus string // NotPaid, PartlyPaid, Paid
	AuthorizationStatus   string // NotRequired, Unauthorized, Authorized, Captured, …

	UsePoint    int64
	UseCoupon   int64
	DeliveryFee int64
	SundryFee   int64
	Discount    int64
	// TaxTotal, when set, switches LOGILESS's automatic tax calculation off.
	TaxTotal *int64

	DeliveryPreferredDate     string // Y-m-d
	DeliveryPreferredTimeZone string // free text, e.g. 午前中 or 14-16
	ScheduledShippingDate     string // Y-m-d (出荷予定日)

	BuyerComment    string
	MerchantComment string
	OrderedAt       time.Time // sent as Y-m-d H:i:s JST; zero lets LOGILESS use "now"

	// Attrs are the free attributes attr1…attr10, keyed by number.
	Attrs map[int]string
	Tags  []string

	Lines []SalesOrderLineInput
}

// String describes the order without personal data.
func (in SalesOrderInput) String() string {
	return fmt.Sprintf("logiless.SalesOrderInput{Code: %q, Store: %d, Lines: %d}", in.Code, in.Store, len(in.Lines))
}

// GoString hides personal data from %#v.
func (in SalesOrderInput) GoString() string { return in.String() }

// Format makes every fmt verb print the redacted String.
func (in SalesOrderInput) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, in.String()) }

// LogValue implements slog.LogValuer without personal data.
func (in SalesOrderInput) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("code", in.Code),
		slog.Int64("store", in.Store),
		slog.Int("lines", len(in.Lines)),
	)
}

var datePattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// Validate reports every required field that is missing or malformed, as
// an error wrapping ErrInvalidInput (sending would only earn a 400).
func (in SalesOrderInput) Validate() error {
	var problems []string
	need := func(ok bool, what string) {
		if !ok {
			problems = append(problems, what)
		}
	}
	need(strings.TrimSpace(in.Code) != "", "code is empty")
	need(in.Store > 0, "store (the LOGILESS store id) is not set")
	need(in.Buyer.Name1 != "", "buyer name1 is empty")
	need(in.Recipient.Name1 != "", "recipient name1 is empty")
	need(in.Recipient.Address1 != "", "recipient address1 is empty")
	need(in.PaymentMethod != "", "payment_method is empty")
	need(in.DeliveryMethod != "", "delivery_method is empty")
	need(len(in.Lines) > 0, "there are no lines")
	for i, l := range in.Lines {
		need(l.ArticleCode != "", fmt.Sprintf("line %d: article_code is empty", i+1))
		need(l.ArticleName != "", fmt.Sprintf("line %d (%s): article_name is empty", i+1, l.ArticleCode))
		need(l.Quantity > 0, fmt.Sprintf("line %d (%s): quantity %d is not positive", i+1, l.ArticleCode, l.Quantity))
	}
	for _, d := range []struct{ name, v string }{
		{"delivery_preferred_date", in.DeliveryPreferredDate},
		{"scheduled_shipping_date", in.ScheduledShippingDate},
	} {
		if d.v != "" {
			_, err := time.Parse(dateLayout, d.v)
			need(err == nil && datePattern.MatchString(d.v), fmt.Sprintf("%s %q is not a Y-m-d date", d.name, d.v))
		}
	}
	for n := range in.Attrs {
		need(n >= 1 && n <= 10, fmt.Sprintf("attr%d does not exist (attr1…attr10)", n))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: sales order %q: %s", ErrInvalidInput, in.Code, strings.Join(problems, "; "))
	}
	return nil
}

// wireLineInput is a line of the create body.
type wireLineInput struct {
	ArticleCode  string `json:"article_code"`
	ArticleName  string `json:"article_name"`
	Quantity     int64  `json:"quantity"`
	Price        int64  `json:"price"`
	TaxIndicator string `json:"tax_indicator,omitempty"`
	TaxRate      *int   `json:"tax_rate,omitempty"`
}

// wireOrderInput is the create body's "sales_order" object.
type wireOrderInput struct {
	Code         string `json:"code"`
	Store        int64  `json:"store"`
	CustomerCode string `json:"customer_code,omitempty"`

	BuyerName1      string `json:"buyer_name1,omitempty"`
	BuyerName2      string `json:"buyer_name2,omitempty"`
	BuyerNameKana1  string `json:"buyer_name_kana1,omitempty"`
	BuyerNameKana2  string `json:"buyer_name_kana2,omitempty"`
	BuyerCountry    string `json:"buyer_country,omitempty"`
	BuyerPostCode   string `json:"buyer_post_code,omitempty"`
	BuyerPrefecture string `json:"buyer_prefecture,omitempty"`
	BuyerAddress1   string `json:"buyer_address1,omitempty"`
	BuyerAddress2   string `json:"buyer_address2,omitempty"`
	BuyerAddress3   string `json:"buyer_address3,omitempty"`
	BuyerPhone      string `json:"buyer_phone,omitempty"`
	BuyerEmail      string `json:"buyer_email,omitempty"`

	RecipientName1      string `json:"recipient_name1,omitempty"`
	RecipientName2      string `json:"recipient_name2,omitempty"`
	RecipientNameKana1  string `json:"recipient_name_kana1,omitempty"`
	RecipientNameKana2  string `json:"recipient_name_kana2,omitempty"`
	RecipientCountry    string `json:"recipient_country,omitempty"`
	RecipientPostCode   string `json:"recipient_post_code,omitempty"`
	RecipientPrefecture string `json:"recipient_prefecture,omitempty"`
	RecipientAddress1   string `json:"recipient_address1,omitempty"`
	RecipientAddress2   string `json:"recipient_address2,omitempty"`
	RecipientAddress3   string `json:"recipient_address3,omitempty"`
	RecipientPhone      string `json:"recipient_phone,omitempty"`
	RecipientEmail      string `json:"recipient_email,omitempty"`

	PaymentMethod         string `json:"payment_method,omitempty"`
	DeliveryMethod        string `json:"delivery_method,omitempty"`
	IncomingPaymentStatus string `json:"incoming_payment_status,omitempty"`
	AuthorizationStatus   string `json:"authorization_status,omitempty"`

	UsePoint    int64  `json:"use_point,omitempty"`
	UseCoupon   int64  `json:"use_coupon,omitempty"`
	DeliveryFee int64  `json:"delivery_fee,omitempty"`
	SundryFee   int64  `json:"sundry_fee,omitempty"`
	Discount    int64  `json:"discount,omitempty"`
	TaxTotal    *int64 `json:"tax_total,omitempty"`

	DeliveryPreferredDate     string `json:"delivery_preferred_date,omitempty"`
	DeliveryPreferredTimeZone string `json:"delivery_preferred_time_zone,omitempty"`
	ScheduledShippingDate     string `json:"scheduled_shipping_date,omitempty"`

	BuyerComment    string `json:"buyer_comment,omitempty"`
	MerchantComment string `json:"merchant_comment,omitempty"`
	OrderedAt       string `json:"ordered_at,omitempty"`

	Attr1  string `json:"attr1,omitempty"`
	Attr2  string `json:"attr2,omitempty"`
	Attr3  string `json:"attr3,omitempty"`
	Attr4  string `json:"attr4,omitempty"`
	Attr5  string `json:"attr5,omitempty"`
	Attr6  string `json:"attr6,omitempty"`
	Attr7  string `json:"attr7,omitempty"`
	Attr8  string `json:"attr8,omitempty"`
	Attr9  string `json:"attr9,omitempty"`
	Attr10 string `json:"attr10,omitempty"`

	Tags  []string        `json:"tags,omitempty"`
	Lines []wireLineInput `json:"lines"`
}

type wireOrderInputBody struct {
	SalesOrder wireOrderInput `json:"sales_order"`
}

func (w *wireOrderInput) attrs() []*string {
	return []*string{&w.Attr1, &w.Attr2, &w.Attr3, &w.Attr4, &w.Attr5, &w.Attr6, &w.Attr7, &w.Attr8, &w.Attr9, &w.Attr10}
}

func setParty(p Party, dst ...*string) {
	for i, v := range []string{p.Name1, p.Name2, p.NameKana1, p.NameKana2, p.Country, p.PostCode,
		p.Prefecture, p.Address1, p.Address2, p.Address3, p.Phone, p.Email} {
		*dst[i] = v
	}
}

func getParty(src ...string) Party {
	return Party{Name1: src[0], Name2: src[1], NameKana1: src[2], NameKana2: src[3], Country: src[4],
		PostCode: src[5], Prefecture: src[6], Address1: src[7], Address2: src[8], Address3: src[9],
		Phone: src[10], Email: src[11]}
}

// MarshalJSON writes the LOGILESS create body {"sales_order":{…}}.
func (in SalesOrderInput) MarshalJSON() ([]byte, error) {
	w := wireOrderInput{
		Code: in.Code, Store: in.Store, CustomerCode: in.CustomerCode,
		PaymentMethod: in.PaymentMethod, DeliveryMethod: in.DeliveryMethod,
		IncomingPaymentStatus: in.IncomingPaymentStatus, AuthorizationStatus: in.AuthorizationStatus,
		UsePoint: in.UsePoint, UseCoupon: in.UseCoupon, DeliveryFee: in.DeliveryFee,
		SundryFee: in.SundryFee, Discount: in.Discount, TaxTotal: in.TaxTotal,
		DeliveryPreferredDate: in.DeliveryPreferredDate, DeliveryPreferredTimeZone: in.DeliveryPreferredTimeZone,
		ScheduledShippingDate: in.ScheduledShippingDate,
		BuyerComment:          in.BuyerComment, MerchantComment: in.MerchantComment,
		Tags:  in.Tags,
		Lines: make([]wireLineInput, 0, len(in.Lines)),
	}
	setParty(in.Buyer, &w.BuyerName1, &w.BuyerName2, &w.BuyerNameKana1, &w.BuyerNameKana2, &w.BuyerCountry,
		&w.BuyerPostCode, &w.BuyerPrefecture, &w.BuyerAddress1, &w.BuyerAddress2, &w.BuyerAddress3,
		&w.BuyerPhone, &w.BuyerEmail)
	setParty(in.Recipient, &w.RecipientName1, &w.RecipientName2, &w.RecipientNameKana1, &w.RecipientNameKana2,
		&w.RecipientCountry, &w.RecipientPostCode, &w.RecipientPrefecture, &w.RecipientAddress1,
		&w.RecipientAddress2, &w.RecipientAddress3, &w.RecipientPhone, &w.RecipientEmail)
	if !in.OrderedAt.IsZero() {
		w.OrderedAt = formatTime(in.OrderedAt)
	}
	attrs := w.attrs()
	for n, v := range in.Attrs {
		if n < 1 || n > len(attrs) {
			return nil, fmt.Errorf("%w: sales order %q: attr%d does not exist (attr1…attr10)", ErrInvalidInput, in.Code, n)
		}
		*attrs[n-1] = v
	}
	for _, l := range in.Lines {
		wl := wireLineInput{ArticleCode: l.ArticleCode, ArticleName: l.ArticleName, Quantity: l.Quantity,
			Price: l.Price, TaxIndicator: l.TaxIndicator}
		if l.TaxRate != 0 || l.TaxIndicator != "" {
			rate := l.TaxRate
			wl.TaxRate = &rate
		}
		w.Lines = append(w.Lines, wl)
	}
	return json.Marshal(wireOrderInputBody{SalesOrder: w})
}

// UnmarshalJSON reads the form MarshalJSON writes, so a SalesOrderInput
// survives a round trip through a workflow payload.
func (in *SalesOrderInput) UnmarshalJSON(data []byte) error {
	var body struct {
		SalesOrder *wireOrderInput `json:"sales_order"`
	}
	if err := json.Unmarshal(data, &body); err != nil {
		return err
	}
	if body.SalesOrder == nil {
		return errors.New(`logiless: SalesOrderInput JSON lacks the "sales_order" object`)
	}
	w := body.SalesOrder
	out := SalesOrderInput{
		Code: w.Code, Store: w.Store, CustomerCode: w.CustomerCode,
		PaymentMethod: w.PaymentMethod, DeliveryMethod: w.DeliveryMethod,
		IncomingPaymentStatus: w.IncomingPaymentStatus, AuthorizationStatus: w.AuthorizationStatus,
		UsePoint: w.UsePoint, UseCoupon: w.UseCoupon, DeliveryFee: w.DeliveryFee,
		SundryFee: w.SundryFee, Discount: w.Discount, TaxTotal: w.TaxTotal,
		DeliveryPreferredDate: w.DeliveryPreferredDate, DeliveryPreferredTimeZone: w.DeliveryPreferredTimeZone,
		ScheduledShippingDate: w.ScheduledShippingDate,
		BuyerComment:          w.BuyerComment, MerchantComment: w.MerchantComment,
		Tags: w.Tags,
		Buyer: getParty(w.BuyerName1, w.BuyerName2, w.BuyerNameKana1, w.BuyerNameKana2, w.BuyerCountry,
			w.BuyerPostCode, w.BuyerPrefecture, w.BuyerAddress1, w.BuyerAddress2, w.BuyerAddress3,
			w.BuyerPhone, w.BuyerEmail),
		Recipient: getParty(w.RecipientName1, w.RecipientName2, w.RecipientNameKana1, w.RecipientNameKana2,
			w.RecipientCountry, w.RecipientPostCode, w.RecipientPrefecture, w.RecipientAddress1,
			w.RecipientAddress2, w.RecipientAddress3, w.RecipientPhone, w.RecipientEmail),
	}
	if w.OrderedAt != "" {
		t, err := parseTime(w.OrderedAt)
		if err != nil {
			return fmt.Errorf("logiless: SalesOrderInput ordered_at: %w", err)
		}
		out.OrderedAt = t
	}
	for i, p := range w.attrs() {
		if *p != "" {
			if out.Attrs == nil {
				out.Attrs = map[int]string{}
			}
			out.Attrs[i+1] = *p
		}
	}
	for _, l := range w.Lines {
		line := SalesOrderLineInput{ArticleCode: l.ArticleCode, ArticleName: l.ArticleName,
			Quantity: l.Quantity, Price: l.Price, TaxIndicator: l.TaxIndicator}
		if l.TaxRate != nil {
			line.TaxRate = *l.TaxRate
		}
		out.Lines = append(out.Lines, line)
	}
	*in = out
	return nil
}
