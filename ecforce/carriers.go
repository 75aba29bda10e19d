package ecforce

import (
	"context"
	"net/http"
	"net/url"
)

// ListShippingCarriers returns the shop's 配送業者 (active and inactive).
func (c *Client) ListShippingCarriers(ctx context.Context) ([]ShippingCarrier, error) {
	var out []ShippingCarrier
	l := listing{what: "list shipping carriers", path: "/admin/shipping_carriers.json", query: url.Values{"sort": {"id"}}, maxPages: 10}
	err := c.paginate(ctx, l, func(doc *document) error {
		for i := range doc.data {
			sc, err := decodeShippingCarrier(&doc.data[i])
			if err != nil {
				return c.malformed(call{op: l.what, method: http.MethodGet, path: l.path}, err)
			}
			out = append(out, sc)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
