package ecforceapi

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

// The JSON:API documents the ecforce API answers with: resources, list
// documents with meta and links, ?include= and how times are rendered.

// resource is one JSON:API resource object.
type resource struct {
	ID            string         `json:"id"`
	Type          string         `json:"type"`
	Attributes    map[string]any `json:"attributes"`
	Relationships map[string]any `json:"relationships,omitempty"`
}

// resourceRef is a JSON:API resource identifier (relationship data).
type resourceRef struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

func idStr(id int64) string { return strconv.FormatInt(id, 10) }

func nullableInt(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

// parseIncludes returns the requested relationship names.
func parseIncludes(q url.Values) map[string]bool {
	out := map[string]bool{}
	for _, v := range q["include"] {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out[p] = true
			}
		}
	}
	return out
}

// listPage renders one page of items (page and per from the query) as a
// JSON:API list document with meta and links, and returns the items on the
// page (for ?include=).
func listPage[T any](r *http.Request, items []T, render func(T) resource) (map[string]any, []T) {
	p := paging(r.URL.Query(), len(items))
	lo, hi := p.window()
	page := items[lo:hi]
	data := make([]resource, 0, len(page))
	for _, it := range page {
		data = append(data, render(it))
	}
	return map[string]any{
		"data": data,
		"meta": map[string]any{
			"total_count": p.total, "page": p.page, "per": p.per,
			"count": len(data), "total_pages": p.totalPages,
		},
		"links": pageLinks(r, p),
	}, page
}

func pageLinks(r *http.Request, p pageInfo) map[string]any {
	link := func(page int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(page))
		q.Set("per", strconv.Itoa(p.per))
		return "http://" + r.Host + r.URL.Path + "?" + q.Encode()
	}
	last := max(p.totalPages, 1)
	links := map[string]any{"self": link(p.page), "first": link(1), "last": link(last), "prev": nil, "next": nil}
	if p.page > 1 {
		links["prev"] = link(min(p.page-1, last))
	}
	if p.page < p.totalPages {
		links["next"] = link(p.page + 1)
	}
	return links
}

// formatTime formats t the way ecforce does ("2019/06/08 05:47:17", JST), or
// returns nil (JSON null) for the zero time.
func formatTime(t time.Time) any { return httpfake.FormatJST(t, timeLayout) }

// timeLayout is how ecforce renders times.
const timeLayout = "2006/01/02 15:04:05"
