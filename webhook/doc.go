// Package webhook receives ecforce's webhooks (the 「Webhook機能」 option,
// ecforce-api.md §11) and turns each into a trigger: the shop's order
// discovery at once, or the cancellation of one order. A webhook is never a
// source of data: the body only names which order to look at first, and
// the discovery reads the order from the API as the scheduled polling does.
// Polling stays as the safety net for webhooks that never arrive.
//
// ecforce signs nothing, so each shop's URL carries a secret of its own:
// POST /hooks/ecforce/<shop>/<secret>. A wrong secret gets 401 and starts
// nothing; the secret is compared in constant time and never logged.
//
// The body is a template the shop writes in ecforce (Webhook テンプレート管理),
// so Parse reads what it can of any body (JSON or form fields) and a body it
// cannot read still triggers the discovery. The package knows nothing of
// Temporal: what a trigger does is the Trigger the receiver is given.
package webhook
