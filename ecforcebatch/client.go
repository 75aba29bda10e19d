package ecforcebatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/httpapi"
)

// MaxSize is the largest batch: ecforce serves at most 100 orders a page,
// and the client sends at most 100 records per bulk write.
const MaxSize = 100

// API is the part of the ecforce client a Client batches onto.
type API interface {
	ListOrders(ctx context.Context, q ecforce.OrderQuery, fn func([]ecforce.Order) error) error
	GetOrder(ctx context.Context, id int64) (ecforce.Order, error)
	UpdateShipping(ctx context.Context, updates []ecforce.ShippingUpdate, withSale bool) (ecforce.BulkResult, error)
	RequestSales(ctx context.Context, orderIDs []int64) (string, error)
	UpdateOrderStates(ctx context.Context, updates []ecforce.StateUpdate) (ecforce.BulkResult, error)
}

// Options shape a Client.
type Options struct {
	// Shop names the shop in errors and logs.
	Shop string
	// Size is the most records per request (1–MaxSize; 0 = MaxSize).
	Size int
	// Window is how long a batch waits after its latest record for
	// another; 0 sends every record at once, on its own.
	Window time.Duration
	// MaxWait caps the wait from a batch's first record while records
	// keep arriving (0 or at most Window: Window counts from the first
	// record).
	MaxWait time.Duration
	Logger  *slog.Logger
	// Sent, if set, is told each request sent: its kind ("read",
	// "shipping", "sales", "state") and how many records it carried.
	Sent func(kind string, records int)
}

// Client is one shop's batching layer over its ecforce client: each method
// takes one record, like a call of its own, and is safe for concurrent use.
type Client struct {
	api  API
	opts Options

	reads    *batcher[int64, ecforce.Order]
	shipping [2]*batcher[ecforce.ShippingUpdate, ecforce.BulkResult] // by with_sale
	sales    *batcher[int64, string]
	states   *batcher[ecforce.StateUpdate, ecforce.Order]

	warnOnce sync.Once
}

// New returns the batching layer over api.
func New(api API, opts Options) *Client {
	if opts.Size <= 0 || opts.Size > MaxSize {
		opts.Size = MaxSize
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	c := &Client{api: api, opts: opts}
	sent := func(kind string) func(int) {
		return func(n int) {
			if opts.Sent != nil {
				opts.Sent(kind, n)
			}
		}
	}
	c.reads = &batcher[int64, ecforce.Order]{size: opts.Size, window: opts.Window, maxWait: opts.MaxWait, send: c.sendReads, refused: refusedWhole, flushed: sent("read")}
	for i, withSale := range []bool{false, true} {
		c.shipping[i] = &batcher[ecforce.ShippingUpdate, ecforce.BulkResult]{size: opts.Size, window: opts.Window, maxWait: opts.MaxWait, refused: refusedWhole, flushed: sent("shipping"),
			send: func(ctx context.Context, reqs []ecforce.ShippingUpdate) ([]outcome[ecforce.BulkResult], error) {
				return c.sendShipping(ctx, reqs, withSale)
			}}
	}
	c.sales = &batcher[int64, string]{size: opts.Size, window: opts.Window, maxWait: opts.MaxWait, send: c.sendSales, refused: refusedWhole, flushed: sent("sales")}
	c.states = &batcher[ecforce.StateUpdate, ecforce.Order]{size: opts.Size, window: opts.Window, maxWait: opts.MaxWait, send: c.sendStates, refused: refusedWhole, flushed: sent("state")}
	return c
}

// Expect announces that n notifications of the shop are about to start on
// this worker (a discovery started them): their shipping updates and
// 対応状況 changes wait for one another, while they keep coming (a quiet
// gap of 5 Windows ends a batch) up to 6 MaxWaits from a batch's first
// record, and a batch leaves as soon as it is full or the last announced
// record has arrived. The announcement lapses 3 MaxWaits after its latest
// record, and a later announcement replaces it; records that never come
// (a notification that stopped earlier or is already running, one run by
// another worker) cost at most the quiet gap.
func (c *Client) Expect(n int) {
	if n <= 0 || c.opts.MaxWait <= c.opts.Window {
		return
	}
	for _, b := range []interface{ expect(int, time.Duration) }{c.shipping[0], c.shipping[1], c.states} {
		b.expect(n, 3*c.opts.MaxWait)
	}
}

// refusedWhole reports whether a bulk request was refused as a whole before
// anything applied: 400, 413 or 422 (our inference, ecforce-api.md §10 q2:
// the reference names no status for a refused bulk request). 401, 403,
// 404 and 429 are not about the batch's content and are not split.
func refusedWhole(err error) bool {
	return httpapi.Rejected(err) || httpapi.IsStatus(err, http.StatusRequestEntityTooLarge)
}

// GetOrder reads one order by id, batched with concurrent reads into one
// list call (q[id_in][]). An order that is not there is an error wrapping
// ecforce.ErrNotFound, as from the client's GetOrder.
func (c *Client) GetOrder(ctx context.Context, id int64) (ecforce.Order, error) {
	if id <= 0 {
		return c.api.GetOrder(ctx, id) // the client's own error
	}
	return c.reads.do(ctx, id)
}

func (c *Client) sendReads(ctx context.Context, ids []int64) ([]outcome[ecforce.Order], error) {
	want := make(map[int64]bool, len(ids))
	var unique []int64
	for _, id := range ids {
		if !want[id] {
			want[id] = true
			unique = append(unique, id)
		}
	}
	found := make(map[int64]ecforce.Order, len(unique))
	foreign := int64(0)
	err := c.api.ListOrders(ctx, ecforce.OrderQuery{IDs: unique, Per: MaxSize, MaxPages: 1}, func(page []ecforce.Order) error {
		for _, o := range page {
			if !want[o.ID] {
				foreign = o.ID
				continue
			}
			found[o.ID] = o
		}
		return nil
	})
	if errors.Is(err, ecforce.ErrPageCapReached) && len(found) == len(unique) {
		err = nil // a full page without total_pages: every order is here
	}
	if err != nil {
		return nil, err
	}
	if foreign != 0 {
		// ransack dropped q[id_in] (an unknown filter answers every
		// order): read each order on its own instead.
		c.warnOnce.Do(func() {
			c.opts.Logger.Warn("ecforce ignored q[id_in][]: order reads of this shop go one GET each", "shop", c.opts.Shop, "foreign_order_id", foreign)
		})
		outs := make([]outcome[ecforce.Order], len(ids))
		for i, id := range ids {
			outs[i].res, outs[i].err = c.api.GetOrder(ctx, id)
		}
		return outs, nil
	}
	outs := make([]outcome[ecforce.Order], len(ids))
	for i, id := range ids {
		o, ok := found[id]
		if !ok {
			outs[i].err = fmt.Errorf("ecforce shop %q: get order %d: %w (not in the answer to q[id_in][])", c.opts.Shop, id, ecforce.ErrNotFound)
			continue
		}
		outs[i].res = o
	}
	return outs, nil
}

// UpdateShipping writes the shipping of each update, batched with
// concurrent updates of the same withSale into one PUT
// /admin/orders/shipping. Its BulkResult holds the answer for these
// records only (their ids, or "<id>-<shipping_address_id>").
func (c *Client) UpdateShipping(ctx context.Context, updates []ecforce.ShippingUpdate, withSale bool) (ecforce.BulkResult, error) {
	b := c.shipping[0]
	if withSale {
		b = c.shipping[1]
	}
	var res ecforce.BulkResult
	for _, u := range updates {
		r, err := b.do(ctx, u)
		if err != nil {
			return res, err
		}
		res.Success = append(res.Success, r.Success...)
		res.Failure = append(res.Failure, r.Failure...)
		res.Errors = append(res.Errors, r.Errors...)
	}
	return res, nil
}

func (c *Client) sendShipping(ctx context.Context, reqs []ecforce.ShippingUpdate, withSale bool) ([]outcome[ecforce.BulkResult], error) {
	bulk, err := c.api.UpdateShipping(ctx, reqs, withSale)
	if err != nil {
		return nil, err
	}
	outs := make([]outcome[ecforce.BulkResult], len(reqs))
	for i, u := range reqs {
		outs[i].res = bulk.For(shippingRecordID(u))
	}
	return outs, nil
}

// shippingRecordID is how a bulk answer names a shipping record.
func shippingRecordID(u ecforce.ShippingUpdate) string {
	id := strconv.FormatInt(u.OrderID, 10)
	if u.ShippingAddressID != 0 {
		id += "-" + strconv.FormatInt(u.ShippingAddressID, 10)
	}
	return id
}

// RequestSales asks for 売上処理 of the orders, batched with concurrent
// requests into one payment_status bulk_update; it returns the job id of
// the request that carried them (the answer is asynchronous: read
// payment_state to see each order's outcome).
func (c *Client) RequestSales(ctx context.Context, orderIDs []int64) (string, error) {
	var job string
	for _, id := range orderIDs {
		j, err := c.sales.do(ctx, id)
		if err != nil {
			return job, err
		}
		job = j
	}
	return job, nil
}

func (c *Client) sendSales(ctx context.Context, ids []int64) ([]outcome[string], error) {
	job, err := c.api.RequestSales(ctx, ids)
	if err != nil {
		return nil, err
	}
	outs := make([]outcome[string], len(ids))
	for i := range outs {
		outs[i].res = job
	}
	return outs, nil
}

// UpdateOrderState sets one order's 対応状況, batched with concurrent
// changes into one PUT /admin/orders/bulk_update. The order returned
// holds only the id and the state written. A record ecforce lists as
// failed is an error wrapping ecforce.ErrStateNotApplied with its reasons;
// an answer that does not name the record is an error of its own (read
// the order to decide).
func (c *Client) UpdateOrderState(ctx context.Context, id int64, state string) (ecforce.Order, error) {
	return c.states.do(ctx, ecforce.StateUpdate{OrderID: id, State: state})
}

func (c *Client) sendStates(ctx context.Context, reqs []ecforce.StateUpdate) ([]outcome[ecforce.Order], error) {
	bulk, err := c.api.UpdateOrderStates(ctx, reqs)
	if err != nil {
		return nil, err
	}
	outs := make([]outcome[ecforce.Order], len(reqs))
	for i, u := range reqs {
		id := strconv.FormatInt(u.OrderID, 10)
		r := bulk.For(id)
		switch {
		case len(r.Errors) > 0 || len(r.Failure) > 0:
			reasons := make([]string, 0, len(r.Errors))
			for _, e := range r.Errors {
				reasons = append(reasons, e.Error())
			}
			if len(reasons) == 0 {
				reasons = append(reasons, "listed as failed without a reason")
			}
			outs[i].err = fmt.Errorf("ecforce shop %q: set order %d state to %q: %w: %s", c.opts.Shop, u.OrderID, u.State, ecforce.ErrStateNotApplied, strings.Join(reasons, "; "))
		case len(r.Success) > 0:
			outs[i].res = ecforce.Order{ID: u.OrderID, State: u.State}
		default:
			outs[i].err = fmt.Errorf("ecforce shop %q: set order %d state to %q: the bulk answer does not name the order; read it to see whether the state applied", c.opts.Shop, u.OrderID, u.State)
		}
	}
	return outs, nil
}
