package logiless

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/ecforce-logiless/connector/jsonlenient"
)

// Article types.
const (
	ArticleTypeSingle     = "Single"
	ArticleTypeAssortment = "Assortment" // セット: stock computed from components
	ArticleTypeCrate      = "Crate"      // 集合包装
)

// Article is a LOGILESS article (商品).
type Article struct {
	ID          int64
	Code        string
	Name        string
	ArticleType string
	// Components are the contents of a set (Assortment) article.
	Components []Component
}

// Component is one component of a set article: Quantity units of
// ArticleCode per set.
type Component struct {
	ArticleCode string
	Quantity    int64
}

// ArticleQuery filters ListArticles.
type ArticleQuery struct {
	Code        string
	ArticleType string
	UpdatedFrom time.Time
	Limit       int // default and maximum 100
	MaxPages    int // default 100
}

type wireComponent struct {
	Component   wireCodeRef        `json:"component"`
	ArticleCode jsonlenient.String `json:"article_code"`
	Article     wireCodeRef        `json:"article"`
	Quantity    jsonlenient.Int    `json:"quantity"`
}

type wireArticle struct {
	ID          jsonlenient.Int    `json:"id"`
	Code        jsonlenient.String `json:"code"`
	Name        jsonlenient.String `json:"name"`
	ArticleType jsonlenient.String `json:"article_type"`
	Components  []wireComponent    `json:"components"`
}

func (w wireArticle) toArticle() Article {
	a := Article{ID: int64(w.ID), Code: string(w.Code), Name: string(w.Name), ArticleType: string(w.ArticleType)}
	for _, c := range w.Components {
		a.Components = append(a.Components, Component{
			ArticleCode: first(string(c.Component), string(c.ArticleCode), string(c.Article)),
			Quantity:    int64(c.Quantity),
		})
	}
	return a
}

// ListArticles pages through GET articles, like ListSalesOrders.
func (c *Client) ListArticles(ctx context.Context, q ArticleQuery, fn func([]Article) error) error {
	v := url.Values{}
	if q.Code != "" {
		v.Set("code", q.Code)
	}
	if q.ArticleType != "" {
		v.Set("article_type", q.ArticleType)
	}
	setTime(v, "updated_at_from", q.UpdatedFrom)
	return listPages(ctx, c, "list articles", "/articles", v, q.Limit, q.MaxPages,
		func(items []wireArticle) error {
			page := make([]Article, 0, len(items))
			for _, w := range items {
				page = append(page, w.toArticle())
			}
			return fn(page)
		})
}

// InventorySummary is the logical stock (在庫) of one article, over all
// warehouses or, when WarehouseID is set, in one warehouse.
type InventorySummary struct {
	ArticleCode string
	Free        int64 // フリー在庫: what stores may sell
	Available   int64 // 保管中
	Allocated   int64 // 引当済み
	WarehouseID int64
	UpdatedAt   time.Time
}

// InventoryQuery filters ListLogicalInventory.
type InventoryQuery struct {
	ArticleType string // default (LOGILESS's): Single
	UpdatedFrom time.Time
	Warehouse   int64
	Limit       int // default and maximum 100
	MaxPages    int // default 100
}

type wireInventory struct {
	ArticleCode jsonlenient.String `json:"article_code"`
	Article     wireCodeRef        `json:"article"`
	Free        jsonlenient.Int    `json:"free"`
	Available   jsonlenient.Int    `json:"available"`
	Allocated   jsonlenient.Int    `json:"allocated"`
	Warehouse   wireRef            `json:"warehouse"`
	UpdatedAt   wireTime           `json:"updated_at"`
}

func (w wireInventory) toSummary() InventorySummary {
	return InventorySummary{
		ArticleCode: first(string(w.Article), string(w.ArticleCode)),
		Free:        int64(w.Free),
		Available:   int64(w.Available),
		Allocated:   int64(w.Allocated),
		WarehouseID: w.Warehouse.ID,
		UpdatedAt:   time.Time(w.UpdatedAt),
	}
}

func toSummaries(items []wireInventory) []InventorySummary {
	out := make([]InventorySummary, 0, len(items))
	for _, w := range items {
		out = append(out, w.toSummary())
	}
	return out
}

// ListLogicalInventory pages through GET logical_inventory_summaries.
// With UpdatedFrom set it reads only what changed, the cheap way to keep
// stock in step.
func (c *Client) ListLogicalInventory(ctx context.Context, q InventoryQuery, fn func([]InventorySummary) error) error {
	v := url.Values{}
	if q.ArticleType != "" {
		v.Set("article_type", q.ArticleType)
	}
	setTime(v, "updated_at_from", q.UpdatedFrom)
	setID(v, "warehouse", q.Warehouse)
	return listPages(ctx, c, "list logical inventory", "/logical_inventory_summaries", v, q.Limit, q.MaxPages,
		func(items []wireInventory) error { return fn(toSummaries(items)) })
}

// SearchLogicalInventory reads the logical stock of these article codes
// (POST logical_inventory_summaries/search), 100 codes per request.
func (c *Client) SearchLogicalInventory(ctx context.Context, articleCodes []string) ([]InventorySummary, error) {
	codes := uniqueNonEmpty(articleCodes)
	var out []InventorySummary
	for start := 0; start < len(codes); start += maxBatch {
		batch := codes[start:min(start+maxBatch, len(codes))]
		op := fmt.Sprintf("search logical inventory of %d articles (%s…)", len(batch), batch[0])
		body, err := c.do(ctx, request{method: http.MethodPost, path: "/logical_inventory_summaries/search",
			body: map[string][]string{"article_codes": batch}, readOnly: true})
		if err != nil {
			return nil, c.opError(op, err)
		}
		items, err := decodeList[wireInventory](body)
		if err != nil {
			return nil, c.opError(op, c.malformed(http.MethodPost, "/logical_inventory_summaries/search", body, err))
		}
		out = append(out, toSummaries(items)...)
	}
	return out, nil
}
