package shipment

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/ecforce-logiless/connector/ecforce"
)

// carrierKeywords are the ecforce 配送業者 names a LOGILESS delivery method
// is matched against when neither shipment_notification.carriers nor
// order_import.delivery_methods names its carrier.
var carrierKeywords = map[string][]string{
	"yamato":            {"ヤマト", "クロネコ"},
	"yamato_compact":    {"ヤマト", "クロネコ"},
	"yamato_nekoposu":   {"ヤマト", "クロネコ"},
	"yamato_taqbin":     {"ヤマト", "クロネコ"},
	"sagawa":            {"佐川"},
	"you_pack":          {"日本郵便", "ゆうパック", "郵便"},
	"yu_packet":         {"日本郵便", "ゆうパケット", "郵便"},
	"yu_mail":           {"日本郵便", "ゆうメール", "郵便"},
	"click_post":        {"日本郵便", "クリックポスト", "郵便"},
	"letter_pack_light": {"日本郵便", "レターパック", "郵便"},
	"letter_pack_plus":  {"日本郵便", "レターパック", "郵便"},
	"seino":             {"西濃"},
	"fukutsu":           {"福山"},
}

// CarrierSettings are the shop's settings that name carriers.
type CarrierSettings struct {
	// Carriers is shipment_notification.carriers: LOGILESS
	// delivery_method → ecforce shipping_carrier_id.
	Carriers map[string]int64
	// DeliveryMethods is order_import.delivery_methods: ecforce carrier
	// name → LOGILESS delivery_method.
	DeliveryMethods map[string]string
}

// Carrier is the ecforce 配送業者 of a delivery method. ID 0 means none:
// the order's carrier is left as it is. Name is "" when the settings gave
// the id.
type Carrier struct {
	ID   int64
	Name string
}

// UnmappedCarrierError says no ecforce 配送業者 matches a LOGILESS delivery
// method.
type UnmappedCarrierError struct {
	Method string
	// Known are the shop's carriers, for the operator to pick from.
	Known []ecforce.ShippingCarrier
}

func (e *UnmappedCarrierError) Error() string {
	const most = 10
	known := make([]string, 0, min(len(e.Known), most)+1)
	for i, c := range e.Known {
		if i == most {
			known = append(known, "…")
			break
		}
		known = append(known, fmt.Sprintf("%d %s", c.ID, c.Name))
	}
	return fmt.Sprintf("LOGILESS delivery method %q matches no ecforce 配送業者 (the shop has: %s); add `%s: <shipping_carrier_id>` under shipment_notification.carriers and restart the worker",
		e.Method, strings.Join(known, ", "), e.Method)
}

// ResolveCarrier finds the ecforce 配送業者 of a LOGILESS delivery method:
// shipment_notification.carriers first; else, among the shop's carriers
// (list, called only then), the one order_import.delivery_methods maps to
// this method, else one whose name matches the method's carrier. Several
// matches prefer current (the order's carrier), then an active one. No
// method gives Carrier{} (the order's carrier stays); no match an
// *UnmappedCarrierError. An error of list is returned as it is.
func ResolveCarrier(method string, current int64, s CarrierSettings, list func() ([]ecforce.ShippingCarrier, error)) (Carrier, error) {
	if method == "" {
		return Carrier{}, nil
	}
	if id := s.Carriers[method]; id > 0 {
		return Carrier{ID: id}, nil
	}
	carriers, err := list()
	if err != nil {
		return Carrier{}, err
	}
	var names []string
	for name, m := range s.DeliveryMethods {
		if m == method {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	if c, ok := pickCarrier(carriers, current, func(c ecforce.ShippingCarrier) bool {
		return slices.Contains(names, strings.TrimSpace(c.Name))
	}); ok {
		return c, nil
	}
	for _, k := range carrierKeywords[method] {
		if c, ok := pickCarrier(carriers, current, func(c ecforce.ShippingCarrier) bool { return strings.Contains(c.Name, k) }); ok {
			return c, nil
		}
	}
	return Carrier{}, &UnmappedCarrierError{Method: method, Known: carriers}
}

// pickCarrier returns the carrier that matches, preferring current, then
// an active one, then the first.
func pickCarrier(carriers []ecforce.ShippingCarrier, current int64, match func(ecforce.ShippingCarrier) bool) (Carrier, bool) {
	var found []ecforce.ShippingCarrier
	for _, c := range carriers {
		if match(c) {
			found = append(found, c)
		}
	}
	if len(found) == 0 {
		return Carrier{}, false
	}
	best := found[0]
	if i := slices.IndexFunc(found, func(c ecforce.ShippingCarrier) bool { return c.ID == current }); i >= 0 {
		best = found[i]
	} else if i := slices.IndexFunc(found, func(c ecforce.ShippingCarrier) bool { return c.State != "inactive" }); i >= 0 {
		best = found[i]
	}
	return Carrier{ID: best.ID, Name: best.Name}, true
}
