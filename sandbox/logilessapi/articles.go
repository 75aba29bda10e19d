package logilessapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/ecforce-logiless/connector/sandbox/httpfake"
)

// Article is one article (商品) of the master.
type Article struct {
	ID                 int64              `json:"id"`
	Code               string             `json:"code"`
	Name               string             `json:"name"`
	ArticleType        string             `json:"article_type"` // "Single" (default) or "Assortment"
	IdentificationCode string             `json:"identification_code,omitempty"`
	ModelNumber        string             `json:"model_number,omitempty"`
	Price              int64              `json:"price,omitempty"`
	Components         []ArticleComponent `json:"components,omitempty"` // Assortment only
	CreatedAt          time.Time          `json:"created_at"`
	UpdatedAt          time.Time          `json:"updated_at"`
}

// ArticleComponent is one component of a set (Assortment) article.
type ArticleComponent struct {
	Component string `json:"component"` // article code of a Single article
	Quantity  int    `json:"quantity"`
}

// Article types.
const (
	ArticleSingle     = "Single"
	ArticleAssortment = "Assortment"
)

// SeedArticle adds an article to the master, with the same validation as
// POST articles/new (unique code, Assortment components must be existing
// Single articles). Single articles start with zero stock.
func (l *Server) SeedArticle(a Article) (Article, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if errs := l.validateArticleLocked(a, nil); len(errs) > 0 {
		return Article{}, &ValidationError{Fields: errs}
	}
	return cloneArticle(l.addArticleLocked(a)), nil
}

func cloneArticle(a *Article) Article {
	c := *a
	c.Components = append([]ArticleComponent(nil), a.Components...)
	return c
}

func (l *Server) articleLocked(code string) *Article {
	return l.byCode[code]
}

func (l *Server) articleByIDLocked(id int64) *Article {
	for _, a := range l.articles {
		if a.ID == id {
			return a
		}
	}
	return nil
}

// Article returns the article with the given code.
func (l *Server) Article(code string) (Article, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if a := l.articleLocked(code); a != nil {
		return cloneArticle(a), true
	}
	return Article{}, false
}

// articleFromJSON reads an article body (POST articles/new).
func articleFromJSON(raw map[string]json.RawMessage, prefix string, errs map[string]string) Article {
	f := &fieldReader{raw: raw, prefix: prefix, errs: errs}
	a := Article{
		Code:               f.str("code", false),
		Name:               f.str("name", false),
		ArticleType:        f.str("article_type", false),
		IdentificationCode: f.str("identification_code", false),
		ModelNumber:        f.str("model_number", false),
		Price:              f.integer("price", false, 0),
	}
	comps, _ := f.objects("components")
	for i, c := range comps {
		cf := &fieldReader{raw: c, prefix: fmt.Sprintf("%scomponents[%d].", prefix, i), errs: errs}
		comp := ArticleComponent{Component: cf.str("component", false), Quantity: int(cf.integer("quantity", false, 0))}
		if comp.Component == "" { // {"component":{"code":"X"}} is tolerated too
			var nested struct {
				Code string `json:"code"`
			}
			if json.Unmarshal(c["component"], &nested) == nil && nested.Code != "" {
				delete(errs, cf.prefix+"component")
				comp.Component = nested.Code
			}
		}
		a.Components = append(a.Components, comp)
	}
	return a
}

// validateArticleLocked checks an article about to be created. batch holds
// articles created earlier in the same request (codes must be unique across
// it, and sets may use them as components).
func (l *Server) validateArticleLocked(a Article, batch map[string]Article, prefix ...string) map[string]string {
	p := strings.Join(prefix, "")
	errs := map[string]string{}
	if strings.TrimSpace(a.Code) == "" {
		errs[p+"code"] = msgBlank
	} else if _, dup := batch[a.Code]; dup || l.articleLocked(a.Code) != nil {
		errs[p+"code"] = msgDuplicateArt
	}
	if strings.TrimSpace(a.Name) == "" {
		errs[p+"name"] = msgBlank
	}
	if a.Price < 0 {
		errs[p+"price"] = msgNegative
	}
	switch a.ArticleType {
	case "", ArticleSingle:
		if len(a.Components) > 0 {
			errs[p+"components"] = "セット商品以外に構成品は指定できません。"
		}
	case ArticleAssortment:
		if len(a.Components) == 0 {
			errs[p+"components"] = msgBlank
		}
		for i, c := range a.Components {
			cp := fmt.Sprintf("%scomponents[%d].", p, i)
			comp := l.articleLocked(c.Component)
			if comp == nil {
				if b, ok := batch[c.Component]; ok {
					comp = &b
				}
			}
			switch {
			case c.Component == "":
				errs[cp+"component"] = msgBlank
			case comp == nil:
				errs[cp+"component"] = msgUnknownArt
			case comp.ArticleType != "" && comp.ArticleType != ArticleSingle:
				errs[cp+"component"] = "構成品には単品の商品のみ指定できます。"
			}
			if c.Quantity <= 0 {
				errs[cp+"quantity"] = msgNotPositive
			}
		}
	default: // Crate exists but cannot be created through the API
		errs[p+"article_type"] = msgInvalidChoice
	}
	return errs
}

func (l *Server) addArticleLocked(a Article) *Article {
	now := l.clock()
	if a.ArticleType == "" {
		a.ArticleType = ArticleSingle
	}
	l.seq.article++
	a.ID = l.seq.article
	a.CreatedAt, a.UpdatedAt = now, now
	a.Components = append([]ArticleComponent(nil), a.Components...)
	p := &a
	l.articles = append(l.articles, p)
	l.byCode[p.Code] = p
	if a.ArticleType == ArticleSingle {
		l.inv[a.Code] = &inventory{updatedAt: now}
	}
	return p
}

func articleRef(a *Article) any {
	if a == nil {
		return nil
	}
	return map[string]any{
		"id": a.ID, "code": a.Code, "identification_code": httpfake.NullIfEmpty(a.IdentificationCode),
		"object_code": fmt.Sprintf("AR%08d", a.ID), "model_number": httpfake.NullIfEmpty(a.ModelNumber),
		"name": a.Name, "name_kana": nil,
	}
}

func renderArticle(a *Article) map[string]any {
	m := map[string]any{
		"id": a.ID, "code": a.Code, "object_code": fmt.Sprintf("AR%08d", a.ID), "name": a.Name,
		"article_type": a.ArticleType, "created_at": formatTime(a.CreatedAt), "updated_at": formatTime(a.UpdatedAt),
	}
	// LOGILESS omits fields that are not set.
	if a.IdentificationCode != "" {
		m["identification_code"] = a.IdentificationCode
	}
	if a.ModelNumber != "" {
		m["model_number"] = a.ModelNumber
	}
	if a.Price != 0 {
		m["price"] = a.Price
	}
	if len(a.Components) > 0 {
		comps := make([]any, 0, len(a.Components))
		for _, c := range a.Components {
			comps = append(comps, map[string]any{"component": c.Component, "quantity": c.Quantity})
		}
		m["components"] = comps
	}
	return m
}

func (l *Server) handleListArticles(w http.ResponseWriter, r *http.Request) {
	serveList(l, w, r, func(q *listQuery) (func() []*Article, func(*Article) bool) {
		code, ident, model := q.q.Get("code"), q.q.Get("identification_code"), q.q.Get("model_number")
		types := q.list("article_type")
		updated := q.timeRange("updated_at")
		return func() []*Article { return l.articles }, func(a *Article) bool {
			return !((code != "" && a.Code != code) || (ident != "" && a.IdentificationCode != ident) ||
				(model != "" && a.ModelNumber != model) || !matchList(types, a.ArticleType) || !updated.match(a.UpdatedAt))
		}
	}, renderArticle)
}

func (l *Server) handleCreateArticle(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Article map[string]json.RawMessage `json:"article"`
	}
	if err := httpfake.ReadJSON(r, &body); err != nil || body.Article == nil {
		l.validationFailed(w, map[string]string{"article": msgBlank})
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	errs := map[string]string{}
	a := articleFromJSON(body.Article, "", errs)
	for k, v := range l.validateArticleLocked(a, nil) {
		if _, dup := errs[k]; !dup {
			errs[k] = v
		}
	}
	if len(errs) > 0 {
		l.validationFailed(w, errs)
		return
	}
	l.writeJSON(w, http.StatusCreated, renderArticle(l.addArticleLocked(a)))
}

// maxArticlesPerRequest is the articles/new/multiple batch limit.
const maxArticlesPerRequest = 100

func (l *Server) handleCreateArticles(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Articles []map[string]json.RawMessage `json:"articles"`
	}
	if err := httpfake.ReadJSON(r, &body); err != nil || len(body.Articles) == 0 {
		l.validationFailed(w, map[string]string{"articles": msgBlank})
		return
	}
	if len(body.Articles) > maxArticlesPerRequest {
		l.validationFailed(w, map[string]string{"articles": fmt.Sprintf("%d件以下にしてください。", maxArticlesPerRequest)})
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	errs := map[string]string{}
	batch := map[string]Article{}
	var parsed []Article
	for i, raw := range body.Articles {
		prefix := fmt.Sprintf("articles[%d].", i)
		a := articleFromJSON(raw, prefix, errs)
		for k, v := range l.validateArticleLocked(a, batch, prefix) {
			if _, dup := errs[k]; !dup {
				errs[k] = v
			}
		}
		if a.Code != "" {
			if a.ArticleType == "" {
				a.ArticleType = ArticleSingle
			}
			batch[a.Code] = a
		}
		parsed = append(parsed, a)
	}
	if len(errs) > 0 { // all or nothing
		l.validationFailed(w, errs)
		return
	}
	out := make([]any, 0, len(parsed))
	for _, a := range parsed {
		out = append(out, renderArticle(l.addArticleLocked(a)))
	}
	l.writeJSON(w, http.StatusOK, out)
}
