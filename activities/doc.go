// Package activities holds the connector's activities: thin steps that talk
// to ecforce and LOGILESS through their clients, each idempotent so that
// Temporal may retry it after a timeout, a crash or a lost answer without
// creating anything twice. The comment on each activity says why it is
// idempotent.
//
// Activities find a shop's clients, settings and mapping table through a
// ShopDirectory built by the worker at start; credentials stay there and
// never enter an activity's input or result, so they never reach a workflow
// history. Errors leave an activity classified: retryable ones (429, 5xx,
// timeouts) carry the API's requested delay, everything an operator must fix
// is a non-retryable application error with a stable type name (see
// errors.go) and a message that says what to fix.
package activities
