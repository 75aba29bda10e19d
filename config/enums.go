package config

import "slices"

// LOGILESS enum values a shop may map ecforce names to. They are the values
// the sales order API takes in payment_method and delivery_method
// (logiless-api.md §2); LOGILESS knows more, which can be added here when a
// shop needs them.
var (
	paymentMethods = []string{
		"amazon_pay",
		"bank_transfer",
		"carrier_payment",
		"cod",
		"credit_card_payment",
		"cvs_payment",
		"gmo_atobarai",
		"no_payment",
		"np_atobarai",
		"other",
		"paypay_credit",
		"post_payment",
		"rakuten_pay",
	}
	deliveryMethods = []string{
		"click_post",
		"fukutsu",
		"in_store_pickup",
		"letter_pack_light",
		"letter_pack_plus",
		"other",
		"sagawa",
		"seino",
		"yamato",
		"yamato_compact",
		"yamato_nekoposu",
		"yamato_taqbin",
		"you_pack",
		"yu_mail",
		"yu_packet",
	}
)

// PaymentMethods returns the LOGILESS payment_method values accepted in a
// shops file, sorted.
func PaymentMethods() []string { return slices.Clone(paymentMethods) }

// IsPaymentMethod reports whether v is an accepted LOGILESS payment_method.
func IsPaymentMethod(v string) bool { _, ok := slices.BinarySearch(paymentMethods, v); return ok }

// DeliveryMethods returns the LOGILESS delivery_method values accepted in a
// shops file, sorted.
func DeliveryMethods() []string { return slices.Clone(deliveryMethods) }

// IsDeliveryMethod reports whether v is an accepted LOGILESS delivery_method.
func IsDeliveryMethod(v string) bool { _, ok := slices.BinarySearch(deliveryMethods, v); return ok }
