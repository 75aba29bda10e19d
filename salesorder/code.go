package salesorder

import (
	"fmt"
	"strings"

	"github.com/ecforce-logiless/connector/logiless"
)

// CodeScheme is how one shop's 受注番号 become LOGILESS 受注コード and back.
// LOGILESS codes are unique per merchant, across its stores, while ecforce
// numbers its orders per shop: two shops on one merchant keep apart by a
// prefix each (order_import.code_prefix). Both flows use it: the import to
// name and find the sales order of an ecforce order, the shipment
// notification to find the ecforce order of a shipped sales order.
type CodeScheme struct {
	// Prefix is put before the 受注番号; "" makes the code the number
	// itself.
	Prefix string
}

// Code is the LOGILESS code the import gives the order numbered number.
func (c CodeScheme) Code(number string) string { return c.Prefix + number }

// Number maps a LOGILESS code of the shop's store back to its 受注番号: the
// prefix is removed. A code without the prefix belongs to an order imported
// before the prefix was set, so it is the number itself.
func (c CodeScheme) Number(code string) string {
	if c.Prefix != "" {
		if n, ok := strings.CutPrefix(code, c.Prefix); ok && n != "" {
			return n
		}
	}
	return code
}

// LookupCodes are the codes under which the order numbered number may be
// in LOGILESS: its Code, and with a prefix also the bare number, the code
// it has when it was imported before the prefix was set.
func (c CodeScheme) LookupCodes(number string) []string {
	if c.Prefix == "" {
		return []string{number}
	}
	return []string{c.Code(number), number}
}

// ClaimStatus is what LOGILESS holds under an order's codes.
type ClaimStatus int

const (
	// CodeFree: nothing; the import may create the sales order.
	CodeFree ClaimStatus = iota
	// CodeOurs: the shop's store has the order (under either code).
	CodeOurs
	// CodeTaken: the order's code belongs to a sales order of another
	// store. Creating is impossible, and counting it as imported would
	// lose the order.
	CodeTaken
)

// Claim is what LOGILESS holds for one ecforce order of the shop.
type Claim struct {
	Status ClaimStatus
	// SalesOrder is the shop's sales order (CodeOurs) or the other
	// store's (CodeTaken).
	SalesOrder logiless.SalesOrder
}

// Claim decides what the sales orders LOGILESS found under
// LookupCodes(number) mean for the shop's order numbered number, the shop
// using LOGILESS store store. Only exact codes count. A sales order under
// the order's Code is the shop's when its store is the shop's, or when
// LOGILESS did not say its store (store 0, as the connector has always
// counted it). One under the bare number, with a prefix set, is the shop's
// only when its store is the shop's for certain: otherwise it is another
// shop's order that merely has the same number, and the prefixed code is
// the one to use.
func (c CodeScheme) Claim(number string, store int64, found []logiless.SalesOrder) Claim {
	code := c.Code(number)
	var exact, bare *logiless.SalesOrder
	for i := range found {
		so := &found[i]
		switch {
		case so.Code == code && (exact == nil || so.StoreID == store):
			exact = so
		case c.Prefix != "" && so.Code == number && so.StoreID == store:
			bare = so
		}
	}
	switch {
	case exact != nil && (exact.StoreID == store || exact.StoreID == 0):
		return Claim{Status: CodeOurs, SalesOrder: *exact}
	case bare != nil:
		return Claim{Status: CodeOurs, SalesOrder: *bare}
	case exact != nil:
		return Claim{Status: CodeTaken, SalesOrder: *exact}
	}
	return Claim{Status: CodeFree}
}

// CodeTakenError says that the LOGILESS code of a shop's order belongs to a
// sales order of another store of the merchant. Nothing is created and
// nothing is written to ecforce.
type CodeTakenError struct {
	OrderNumber string
	Code        string
	Store       int64 // the shop's store
	// OtherStore and OtherStoreName are the store that holds the code;
	// OtherShop is the shop of this worker that uses that store, if any.
	OtherStore     int64
	OtherStoreName string
	OtherShop      string
}

func (e *CodeTakenError) Error() string {
	holder := fmt.Sprintf("LOGILESS store %d", e.OtherStore)
	if e.OtherStoreName != "" {
		holder += fmt.Sprintf(" (%s)", e.OtherStoreName)
	}
	if e.OtherShop != "" {
		holder += fmt.Sprintf(" of shop %q", e.OtherShop)
	}
	return fmt.Sprintf("order %s: its 受注コード %q is already used by %s, not by this shop's store %d; "+
		"give this shop an order_import.code_prefix that store's codes never start with (or, if that sales order is this shop's, move it), "+
		"restart the worker and re-run", e.OrderNumber, e.Code, holder, e.Store)
}
