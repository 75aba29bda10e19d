package logiless

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ecforce-logiless/connector/jsonlenient"
)

// ArticleMapMaxPages bounds one listing of article maps: 100,000 rows.
const ArticleMapMaxPages = 1000

// ArticleMap is a row of a store's 商品対応表 (GET article_maps): the
// store's product code mapped to one LOGILESS article, with the settings
// of LOGILESS's stock sync. The API offers no way to write it.
type ArticleMap struct {
	ID          int64
	StoreID     int64
	MappedCode  string // mapped_code: the store's (ecforce) product code
	ArticleCode string // article.code: the LOGILESS article
	// Standby is 予備在庫数, the reserve kept back; 0 when not sent.
	Standby int64
	// AllocationRate is 在庫割当率 in whole percent: a fraction LOGILESS
	// sends ("12.5") is rounded down, which never sells more than LOGILESS
	// would; 100 when not sent.
	AllocationRate int64
	Max            *int64 // max_stock_quantity (上限在庫数); nil when not sent
	Min            *int64 // min_stock_quantity (下限在庫数); nil when not sent
	// AutoSync is is_automatic_inventory_sync_enables (自動在庫連携): false
	// when LOGILESS says 0 or false, or does not send it (unknown is never
	// taken as permission to write stock).
	AutoSync  bool
	UpdatedAt time.Time
}

// ArticleMapQuery filters ListArticleMaps.
type ArticleMapQuery struct {
	Store       int64     // store id; 0 = every store of the merchant
	ArticleCode string    // one LOGILESS article code
	UpdatedFrom time.Time // updated_at_from (inclusive, JST)
	UpdatedTo   time.Time // updated_at_to
	// AutoSync, if set, keeps the rows whose 自動在庫連携 is *AutoSync.
	AutoSync *bool
	Limit    int // default and maximum 100
	MaxPages int // default ArticleMapMaxPages
}

type wireArticleMap struct {
	ID             jsonlenient.Int    `json:"id"`
	MappedCode     jsonlenient.String `json:"mapped_code"`
	ArticleCode    jsonlenient.String `json:"article_code"`
	Article        wireCodeRef        `json:"article"`
	Standby        jsonlenient.Int    `json:"standby_stock_quantity"`
	AllocationRate wireRate           `json:"stock_allocation_rate"`
	Max            wireOptInt         `json:"max_stock_quantity"`
	Min            wireOptInt         `json:"min_stock_quantity"`
	AutoSync       jsonlenient.Bool   `json:"is_automatic_inventory_sync_enables"`
	Store          wireRef            `json:"store"`
	UpdatedAt      wireTime           `json:"updated_at"`
}

func (w wireArticleMap) toArticleMap() ArticleMap {
	m := ArticleMap{
		ID:             int64(w.ID),
		StoreID:        w.Store.ID,
		MappedCode:     strings.TrimSpace(string(w.MappedCode)),
		ArticleCode:    strings.TrimSpace(first(string(w.Article), string(w.ArticleCode))),
		Standby:        int64(w.Standby),
		AllocationRate: 100,
		Max:            w.Max.ptr(),
		Min:            w.Min.ptr(),
		AutoSync:       bool(w.AutoSync),
		UpdatedAt:      time.Time(w.UpdatedAt),
	}
	if w.AllocationRate.set {
		m.AllocationRate = w.AllocationRate.v
	}
	return m
}

// ListArticleMaps pages through GET article_maps. With UpdatedFrom set it
// reads only the rows changed since, the cheap way to keep a copy in step
// (rows deleted in LOGILESS are seen only by a full listing).
func (c *Client) ListArticleMaps(ctx context.Context, q ArticleMapQuery, fn func([]ArticleMap) error) error {
	v := url.Values{}
	setID(v, "store", q.Store)
	if q.ArticleCode != "" {
		v.Set("article_code", q.ArticleCode)
	}
	setTime(v, "updated_at_from", q.UpdatedFrom)
	setTime(v, "updated_at_to", q.UpdatedTo)
	if q.AutoSync != nil {
		v.Set("is_automatic_inventory_sync_enables", map[bool]string{true: "1", false: "0"}[*q.AutoSync])
	}
	maxPages := q.MaxPages
	if maxPages <= 0 {
		maxPages = ArticleMapMaxPages
	}
	return listPages(ctx, c, fmt.Sprintf("list article maps of store %d", q.Store), "/article_maps", v, q.Limit, maxPages,
		func(items []wireArticleMap) error {
			page := make([]ArticleMap, 0, len(items))
			for _, w := range items {
				page = append(page, w.toArticleMap())
			}
			return fn(page)
		})
}

// wireRate is 在庫割当率, a percentage LOGILESS may send as a number or a
// string, whole ("20") or not ("12.50"); null and "" are unset. It keeps
// the whole percent, rounded down.
type wireRate struct {
	set bool
	v   int64
}

func (r *wireRate) UnmarshalJSON(data []byte) error {
	var s jsonlenient.String
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("stock_allocation_rate: %w", err)
	}
	v, set, err := parseRate(string(s))
	if err != nil {
		return err
	}
	*r = wireRate{set: set, v: v}
	return nil
}

// parseRate reads a percentage: spaces, a trailing "%" and thousands
// separators are allowed; the result is rounded down to a whole percent.
// "" is unset.
func parseRate(s string) (v int64, set bool, err error) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	if s == "" {
		return 0, false, nil
	}
	f, perr := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
	if perr != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		if len(s) > 20 {
			s = s[:20] + "…"
		}
		return 0, false, fmt.Errorf("stock_allocation_rate %q is not a number", s)
	}
	// Far outside 0..100 is kept out of range (the mapping refuses it)
	// without overflowing.
	f = math.Max(math.Min(math.Floor(f), 1e6), -1e6)
	return int64(f), true, nil
}
