package activities

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
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

// An ecforce that ignored q[id_gteq] would serve the same full page again:
// the discovery fails (retryably) instead of looping or reporting the
// orders after that page as absent.
func TestListImportCandidatesNoProgressFails(t *testing.T) {
	var seeds []ecforceapi.OrderSeed
	for n := 1; n <= 150; n++ {
		seeds = append(seeds, importSeed(n, "A", nil))
	}
	f := newImportFixture(t, seeds, nil)
	f.listingHook(t, func(_ int, r *http.Request) {
		q := r.URL.Query()
		q.Del("q[id_gteq]")
		r.URL.RawQuery = q.Encode()
	})
	_, err := runActivity[ListImportCandidatesResult](t, activityEnv(f.a), f.a.ListImportCandidates,
		ListImportCandidatesInput{Shop: "demo", Now: time.Now()})
	if err == nil || !strings.Contains(err.Error(), "without one above id") || !strings.Contains(err.Error(), "shop demo") {
		t.Fatalf("err = %v, want a listing that does not progress to fail naming the shop", err)
	}
	if typ, retryable := appErrType(err); typ != ErrTypeTransient || !retryable {
		t.Errorf("error type %q retryable %v, want a retryable %s", typ, retryable, ErrTypeTransient)
	}
}
