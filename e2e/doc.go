// Package e2e holds the end-to-end tests: the connector's workflows run on a
// real Temporal dev server (the pinned CLI built into bin/ by `make test`),
// a worker built exactly as the worker binary builds it, and the sandbox
// ecforce and LOGILESS servers over real sockets.
package e2e
