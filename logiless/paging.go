package logiless

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/ecforce-logiless/connector/httpapi"
)

// defaultMaxPages bounds a listing unless its query says otherwise.
const defaultMaxPages = 100

// listPages walks a page-based LOGILESS listing: page=1,2,… with limit,
// stopping when page*limit >= total_count or a page comes back short.
// Each non-empty page goes to fn; fn's error is returned unchanged. When
// maxPages pages were read and more remain, the error wraps
// ErrPageCapReached.
func listPages[T any](ctx context.Context, c *Client, op, path string, filters url.Values, limit, maxPages int, fn func([]T) error) error {
	if limit <= 0 || limit > maxBatch {
		limit = maxBatch
	}
	if maxPages <= 0 {
		maxPages = defaultMaxPages
	}
	for page := 1; ; page++ {
		if page > maxPages {
			return c.opError(op, fmt.Errorf("%w: %d pages of %d read and LOGILESS has more; narrow the query (a shorter time window) or raise MaxPages",
				ErrPageCapReached, maxPages, limit))
		}
		q := url.Values{}
		for k, v := range filters {
			q[k] = append([]string(nil), v...)
		}
		q.Set("limit", strconv.Itoa(limit))
		q.Set("page", strconv.Itoa(page))
		pageOp := fmt.Sprintf("%s (page %d)", op, page)
		body, err := c.do(ctx, request{method: http.MethodGet, path: path, query: q, readOnly: true})
		if err != nil {
			return c.opError(pageOp, err)
		}
		var env wirePage[T]
		if err := json.Unmarshal(body, &env); err != nil {
			return c.opError(pageOp, c.malformed(http.MethodGet, path, body, err))
		}
		if len(env.Data) > 0 {
			if err := fn(env.Data); err != nil {
				return err
			}
		}
		size := limit
		if n := int(env.Limit); n > 0 && n < size {
			size = n // LOGILESS capped the page size
		}
		if len(env.Data) < size {
			return nil
		}
		if env.TotalCount != nil && int64(page)*int64(size) >= int64(*env.TotalCount) {
			return nil
		}
	}
}

// malformed reports a 2xx answer that could not be decoded. The body is
// not quoted: sales orders hold names and addresses.
func (c *Client) malformed(method, path string, body []byte, err error) error {
	return fmt.Errorf("%s %s %s/v1/merchant/%d%s: %w: %v (%d bytes); retry later or report the answer to LOGILESS",
		apiName, method, c.basePath, c.merchantID, path, httpapi.ErrMalformedResponse, err, len(body))
}
