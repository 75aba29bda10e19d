// Package ecforcebatch combines the ecforce calls of concurrent callers of
// one shop into ecforce's bulk endpoints, and hands each record's answer back
// to the caller that asked for it.
//
// The shipment notification runs one workflow per order, and each of its
// activities reads or writes one order. Under them, a Client of this package
// collects what callers ask at the same time and sends it as one request:
//
//   - an order read by id: one GET /admin/orders with q[id_in][] (ransack);
//   - a shipping update: one PUT /admin/orders/shipping with an orders array
//     (one batch per with_sale value);
//   - a 売上処理 request: one POST /admin/orders/payment_status/bulk_update
//     with order_ids;
//   - a 対応状況 change: one PUT /admin/orders/bulk_update with an orders
//     array.
//
// A batch is sent when it holds Size records or Window after its first
// record arrived. A batch that ecforce refuses as a whole (400, 413 or 422:
// nothing applied) is split in halves and sent again, down to single
// records, so one bad record fails only its caller. Per-record answers
// (success, failure, errors) go to their own callers; an error of the
// request itself (a 5xx, a lost answer) goes to every caller of the batch,
// each of which decides by reading its order, as it would for a call of its
// own.
//
// The package knows nothing of Temporal: it is the ecforce client's shape
// with one record per call, so the activities keep their one-order logic.
package ecforcebatch
