// Package sandbox serves in-memory fakes of the two external APIs the
// connector talks to, over real HTTP:
//
//   - [Ecforce]: the ecforce admin REST API v2 (JSON:API documents, ransack
//     filters, `Authorization: Token token="…"`, bulk endpoints with
//     per-record success/failure, asynchronous payment capture);
//   - [Logiless]: the LOGILESS API v1 (OAuth 2 authorization-code flow with
//     rotating refresh tokens, sales orders with set expansion and stock
//     allocation, outbound deliveries, articles, article maps, logical
//     inventory, per-merchant rate limiting).
//
// Both types are plain [net/http.Handler]s, so tests can mount them on an
// [net/http/httptest.Server]; [Start] listens on two addresses for the demo
// binary (sandbox/cmd/sandbox) and end-to-end tests.
//
// The fakes are strict where the real APIs are known to be strict (auth header
// shapes, limits of 100, required fields, unique order codes, single-use OAuth
// codes) and loose where the real APIs are loose (unknown ransack keys and
// unpermitted body keys are silently ignored, numbers may be sent as strings).
// Responses deliberately carry the quirks clients must survive: ids as strings
// in some places and numbers in others, every other line item with its price
// and quantity as strings, both "status" and "document_status" keys.
//
// Every server also answers control endpoints under /_sandbox/ (no auth, not
// counted, never faulted) for seeding, inspection, fault injection and token
// manipulation. Each control endpoint has a typed Go method twin, so Go tests
// need no HTTP for setup. See sandbox/README.md for the full list.
package sandbox
