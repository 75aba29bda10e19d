package activities

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/httpapi"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
)

// listingHook routes the import's ecforce client through a proxy that
// calls before(n, r) ahead of the n-th order listing request (1-based), so
// a test can change the sandbox or the request between two pages.
func (f *importFixture) listingHook(t *testing.T, before func(n int, r *http.Request)) {
	t.Helper()
	var mu sync.Mutex
	n := 0
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/api/v2/admin/orders.json" {
			mu.Lock()
			n++
			before(n, r)
			mu.Unlock()
		}
		f.ec.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	ec, err := ecforce.New(ecforce.Config{Shop: "demo", BaseURL: proxy.URL + "/api/v2", APIToken: ecforceapi.DefaultAPIToken,
		Limiter: httpapi.NewLimiter(0, 1), MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	shop := *mustShop(t, f.a.Shops, "demo")
	shop.Ecforce = ec
	f.a.Shops = NewShopDirectory(&shop)
}

func (f *importFixture) listCandidates(t *testing.T) ListImportCandidatesResult {
	t.Helper()
	res, err := runActivity[ListImportCandidatesResult](t, activityEnv(f.a), f.a.ListImportCandidates,
		ListImportCandidatesInput{Shop: "demo", Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// Bad input from the ecforce listing between two pages: an order served on
// two pages is imported once; an order that leaves the listing between two
// pages (its 対応状況 changed) shifts no other order out of the run.
func TestListImportCandidatesAcrossChangingPages(t *testing.T) {
	tests := []struct {
		name   string
		orders int
		// between runs before the second listing request.
		between func(f *importFixture, r *http.Request)
		want    int // distinct candidates
	}{
		{"same order on two pages", 150, func(f *importFixture, r *http.Request) {
			// The second page starts at EC00000100 again, as an
			// offset-paged server whose list shifted would answer.
			q := r.URL.Query()
			q.Set("page", "1")
			q.Set("q[id_gteq]", strconv.FormatInt(f.ids["EC00000100"], 10))
			r.URL.RawQuery = q.Encode()
		}, 150},
		{"order disappears between pages", 250, func(f *importFixture, _ *http.Request) {
			if _, err := f.ecClient.UpdateOrderState(context.Background(), f.ids["EC00000001"], "shipped"); err != nil {
				panic(err)
			}
		}, 250},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var seeds []ecforceapi.OrderSeed
			for n := 1; n <= tt.orders; n++ {
				seeds = append(seeds, importSeed(n, "A", nil))
			}
			f := newImportFixture(t, seeds, nil)
			f.listingHook(t, func(n int, r *http.Request) {
				if n == 2 {
					tt.between(f, r)
				}
			})
			res := f.listCandidates(t)
			seen := map[string]int{}
			for _, c := range res.Candidates {
				seen[c.OrderNumber]++
			}
			for number, k := range seen {
				if k > 1 {
					t.Errorf("%s is a candidate %d times", number, k)
				}
			}
			for n := 1; n <= tt.orders; n++ {
				if number := fmt.Sprintf("EC%08d", n); seen[number] == 0 {
					t.Errorf("%s was dropped from the run (%d candidates, listed %d)", number, len(res.Candidates), res.Listed)
				}
			}
			if len(seen) != tt.want || res.Listed != tt.want {
				t.Errorf("candidates %d, listed %d; want %d", len(seen), res.Listed, tt.want)
			}
		})
	}
}

// An ecforce that ignores q[id_gteq] (ransack drops a filter it does not
// know and answers everything) is noticed by a full page without progress;
// the listing is then read by page number, and every order is a candidate
// once.
func TestListImportCandidatesWhenTheIDFilterIsIgnored(t *testing.T) {
	var seeds []ecforceapi.OrderSeed
	for n := 1; n <= 150; n++ {
		seeds = append(seeds, importSeed(n, "A", nil))
	}
	f := newImportFixture(t, seeds, nil)
	var ignored int
	f.listingHook(t, func(_ int, r *http.Request) {
		q := r.URL.Query()
		if q.Has("q[id_gteq]") {
			ignored++
		}
		q.Del("q[id_gteq]")
		r.URL.RawQuery = q.Encode()
	})
	res, err := runActivity[ListImportCandidatesResult](t, activityEnv(f.a), f.a.ListImportCandidates,
		ListImportCandidatesInput{Shop: "demo", Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, c := range res.Candidates {
		seen[c.OrderNumber]++
	}
	if len(res.Candidates) != 150 || len(seen) != 150 || res.Listed != 150 || res.Truncated {
		t.Errorf("%d candidates (%d distinct), listed %d, truncated %t; want each of the 150 orders once", len(res.Candidates), len(seen), res.Listed, res.Truncated)
	}
	// One page by id, one that showed the filter ignored, then two by page number.
	if n := f.ecCalls(ecListOrders); ignored != 1 || n != 4 {
		t.Errorf("%d listing requests, %d with q[id_gteq]; want 4 and 1", n, ignored)
	}
}
