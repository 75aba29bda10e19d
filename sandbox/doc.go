// Package sandbox runs in-memory fakes of the two external APIs the connector
// talks to, over real HTTP, and the demo data that drives them together.
//
// The fakes live in their own packages, one per API, over a shared HTTP
// layer:
//
//   - [github.com/ecforce-logiless/connector/sandbox/ecforceapi]: the ecforce
//     admin REST API v2;
//   - [github.com/ecforce-logiless/connector/sandbox/logilessapi]: the
//     LOGILESS API v1 with its OAuth 2 flow;
//   - [github.com/ecforce-logiless/connector/sandbox/httpfake]: the front door
//     both share (control endpoints under /_sandbox/, request counting, fault
//     injection, token-bucket rate limiting) and their JSON and time encoding.
//
// Both fakes are plain [net/http.Handler]s, so a test can mount one on an
// [net/http/httptest.Server]. This package owns what spans both: [Start]
// listens on two addresses for the demo binary (sandbox/cmd/sandbox),
// end-to-end tests and benchmarks; [SeedDemo] fills both with one consistent
// catalogue; [Simulate] keeps orders, shipments and stock moving. See
// sandbox/README.md.
package sandbox
