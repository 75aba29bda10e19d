// Package ecforceapi is the sandbox's fake of the ecforce admin REST API v2,
// served over real HTTP: JSON:API documents, ransack filters and page/per
// paging, `Authorization: Token token="…"` (a static API token or one from
// sign-in), bulk endpoints with per-record success and failure, and
// asynchronous payment capture.
//
// It owns one file per resource: orders (and their seeds, documents and
// addresses), shipping, payments, stock items, shipping carriers, 対応状況
// (states), auth and sign-in, plus the ransack filters, the bulk result
// body, the error bodies and the shop's control endpoints under /_sandbox/.
// Request counting, faults and rate limiting come from the front door the
// [Server] embeds (package httpfake).
//
// The fake is strict where the real API is known to be strict (the auth
// header shape, a limit of 100 stock items per write, required fields) and
// loose where it is loose (unknown ransack keys and unpermitted body keys
// are silently ignored, numbers may be sent as strings). Responses carry the
// quirks clients must survive: ids as strings in some places and numbers in
// others, and every other order item with its price and quantity as strings.
// Every control endpoint has a Go method twin, so Go tests need no HTTP for
// setup. See sandbox/README.md.
package ecforceapi
