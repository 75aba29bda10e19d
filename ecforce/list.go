package ecforce

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/ecforce-logiless/connector/httpapi"
)

// listing describes one paginated GET.
type listing struct {
	what     string // "list orders"
	path     string
	query    url.Values // filters; page and per are added per page
	per      int
	maxPages int
}

// paginate reads pages 1, 2, … and hands each decoded document to handle.
// It stops when the page is empty, shorter than the page size, or at least
// total_pages (when meta gives it). Reaching maxPages without such a stop
// is ErrPageCapReached.
func (c *Client) paginate(ctx context.Context, l listing, handle func(doc *document) error) error {
	per := l.per
	if per <= 0 || per > maxPer {
		per = maxPer
	}
	maxPages := l.maxPages
	if maxPages <= 0 {
		maxPages = defaultMaxPages
	}
	for page := 1; ; page++ {
		q := url.Values{}
		for k, v := range l.query {
			q[k] = append([]string(nil), v...)
		}
		q.Set("page", strconv.Itoa(page))
		q.Set("per", strconv.Itoa(per))
		cl := call{op: fmt.Sprintf("%s (page %d)", l.what, page), method: http.MethodGet, path: l.path, query: q}
		body, err := c.do(ctx, cl)
		if err != nil {
			return err
		}
		doc, err := decodeDocument(body)
		if err != nil {
			return c.malformed(cl, err)
		}
		if err := handle(doc); err != nil {
			return err
		}
		n := len(doc.data)
		pageSize := per
		if mp := int(doc.meta.Per); mp > 0 && mp < per {
			pageSize = mp // the server clamped per; a full page is its size
		}
		totalPages := int(doc.meta.TotalPages)
		if n == 0 || n < pageSize || (totalPages > 0 && page >= totalPages) {
			return nil
		}
		if page >= maxPages {
			return fmt.Errorf("ecforce shop %q: %s: %w after %d pages of %d records (more remain); narrow the time window or raise MaxPages",
				c.shop, l.what, ErrPageCapReached, page, pageSize)
		}
	}
}

// malformed wraps a decoding failure of a 2xx body.
func (c *Client) malformed(cl call, err error) error {
	return c.errorf(cl, "%w from %s %s: %v; retry later", httpapi.ErrMalformedResponse, cl.method, cl.path, err)
}
