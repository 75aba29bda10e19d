// Package logilessapi is the sandbox's fake of the LOGILESS API v1 for one
// merchant, served over real HTTP: the OAuth 2 authorization-code flow with
// rotating refresh tokens, sales orders with set expansion and stock
// allocation, outbound deliveries, articles, article maps (商品対応表) and
// logical inventory, under /api/v1/merchant/{id}/.
//
// It owns one file per resource: OAuth, sales orders (their creation,
// rendering, allocation, shipping by the warehouse and reversal), outbound
// deliveries, articles, article maps, inventory and stores, plus the list
// query parameters, the validation rules and messages, the response
// encoding and the merchant's control endpoints under /_sandbox/. Request
// counting, faults and the per-merchant rate limit come from the front door
// the [Server] embeds (package httpfake).
//
// The fake is strict where the real API is known to be strict (bearer auth,
// limits of 100, required fields, unique order codes, single-use OAuth codes)
// and loose where it is loose (numbers may be sent as strings). Responses
// carry the quirks clients must survive: non-ASCII as \uNNNN escapes, ids as
// strings in some places and numbers in others, every other line with its
// price and quantity as strings, flags as 0/1 or true/false, and both
// "status" and "document_status". Every control endpoint has a Go method
// twin, so Go tests need no HTTP for setup. See sandbox/README.md.
package logilessapi
