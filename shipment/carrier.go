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
// the order's carrier is left as it is.
type Carrier struct {
	ID   int64
	Name string
}

// carrierInactive is ecforce's state of a carrier that must not be used
// (ecforce-api.md §4: state active|inactive).
const carrierInactive = "inactive"

func active(c ecforce.ShippingCarrier) bool { return c.State != carrierInactive }

// UnmappedCarrierError says no active ecforce 配送業者 can be sent for a
// LOGILESS delivery method: none matches, only inactive ones match, or the
// shipment_notification.carriers entry names a carrier the shop does not
// have or has made inactive.
type UnmappedCarrierError struct {
	Method string
	// Configured is the shipping_carrier_id shipment_notification.carriers
	// gives the method, 0 when it has no entry.
	Configured int64
	// Inactive are the matching carriers that are inactive (for a
	// configured id: that carrier, when the shop has it).
	Inactive []ecforce.ShippingCarrier
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
		known = append(known, describeCarrier(c))
	}
	shopHas := strings.Join(known, ", ")
	switch {
	case e.Configured != 0 && len(e.Inactive) > 0:
		return fmt.Sprintf("shipment_notification.carriers maps delivery method %q to ecforce 配送業者 %s, which is inactive; point `%s:` at an active carrier (the shop has: %s) or activate it in ecforce, then restart the worker",
			e.Method, describeCarrier(e.Inactive[0]), e.Method, shopHas)
	case e.Configured != 0:
		return fmt.Sprintf("shipment_notification.carriers maps delivery method %q to shipping_carrier_id %d, which the shop does not have (the shop has: %s); fix `%s:`, then restart the worker",
			e.Method, e.Configured, shopHas, e.Method)
	case len(e.Inactive) > 0:
		names := make([]string, len(e.Inactive))
		for i, c := range e.Inactive {
			names[i] = describeCarrier(c)
		}
		return fmt.Sprintf("LOGILESS delivery method %q matches only inactive ecforce 配送業者 (%s); activate one in ecforce or add `%s: <shipping_carrier_id>` of an active one under shipment_notification.carriers (the shop has: %s) and restart the worker",
			e.Method, strings.Join(names, ", "), e.Method, shopHas)
	}
	return fmt.Sprintf("LOGILESS delivery method %q matches no ecforce 配送業者 (the shop has: %s); add `%s: <shipping_carrier_id>` under shipment_notification.carriers and restart the worker",
		e.Method, shopHas, e.Method)
}

func describeCarrier(c ecforce.ShippingCarrier) string {
	if !active(c) {
		return fmt.Sprintf("%d %s (inactive)", c.ID, c.Name)
	}
	return fmt.Sprintf("%d %s", c.ID, c.Name)
}

// ResolveCarrier finds the ecforce 配送業者 of a LOGILESS delivery method
// among the shop's carriers (list): the one shipment_notification.carriers
// names; else the one order_import.delivery_methods maps to this method;
// else one whose name matches the method's carrier. An inactive carrier is
// never returned: several matches prefer current (the order's carrier),
// then the first, among the active ones. No method gives Carrier{} (the
// order's carrier stays) without reading the list; no active match, or a
// configured id the shop does not have or has made inactive, an
// *UnmappedCarrierError. An error of list is returned as it is.
func ResolveCarrier(method string, current int64, s CarrierSettings, list func() ([]ecforce.ShippingCarrier, error)) (Carrier, error) {
	if method == "" {
		return Carrier{}, nil
	}
	carriers, err := list()
	if err != nil {
		return Carrier{}, err
	}
	if id := s.Carriers[method]; id > 0 {
		i := slices.IndexFunc(carriers, func(c ecforce.ShippingCarrier) bool { return c.ID == id })
		switch {
		case i < 0:
			return Carrier{}, &UnmappedCarrierError{Method: method, Configured: id, Known: carriers}
		case !active(carriers[i]):
			return Carrier{}, &UnmappedCarrierError{Method: method, Configured: id, Inactive: carriers[i : i+1], Known: carriers}
		}
		return Carrier{ID: id, Name: carriers[i].Name}, nil
	}
	var names []string
	for name, m := range s.DeliveryMethods {
		if m == method {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	matchers := []func(ecforce.ShippingCarrier) bool{func(c ecforce.ShippingCarrier) bool {
		return slices.Contains(names, strings.TrimSpace(c.Name))
	}}
	for _, k := range carrierKeywords[method] {
		matchers = append(matchers, func(c ecforce.ShippingCarrier) bool { return strings.Contains(c.Name, k) })
	}
	var inactive []ecforce.ShippingCarrier
	for _, match := range matchers {
		c, ok, off := pickCarrier(carriers, current, match)
		if ok {
			return c, nil
		}
		for _, o := range off {
			if !slices.ContainsFunc(inactive, func(x ecforce.ShippingCarrier) bool { return x.ID == o.ID }) {
				inactive = append(inactive, o)
			}
		}
	}
	return Carrier{}, &UnmappedCarrierError{Method: method, Inactive: inactive, Known: carriers}
}

// pickCarrier returns the active carrier that matches, preferring current,
// then the first; and the inactive ones that match.
func pickCarrier(carriers []ecforce.ShippingCarrier, current int64, match func(ecforce.ShippingCarrier) bool) (Carrier, bool, []ecforce.ShippingCarrier) {
	var found, inactive []ecforce.ShippingCarrier
	for _, c := range carriers {
		switch {
		case !match(c):
		case active(c):
			found = append(found, c)
		default:
			inactive = append(inactive, c)
		}
	}
	if len(found) == 0 {
		return Carrier{}, false, inactive
	}
	best := found[0]
	if i := slices.IndexFunc(found, func(c ecforce.ShippingCarrier) bool { return c.ID == current }); i >= 0 {
		best = found[i]
	}
	return Carrier{ID: best.ID, Name: best.Name}, true, inactive
}
