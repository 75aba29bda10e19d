package bench

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/ecforce-logiless/connector/activities"
	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/logiless"
	"github.com/ecforce-logiless/connector/sandbox/ecforceapi"
	"github.com/ecforce-logiless/connector/sandbox/logilessapi"
	"github.com/ecforce-logiless/connector/stocksync"
	"github.com/ecforce-logiless/connector/workflows"
)

// The paced stock benchmark's catalogue: three pages of 1,000 mapped SKUs,
// 1% of them sets of two components, like BenchmarkStockSync100k's.
const (
	pacedSingles = 2_970
	pacedSets    = 30
	pacedSKUs    = pacedSingles + pacedSets
	pacedRPS     = 1.0 // both APIs: the production pace
)

// stock100k keeps the request counts BenchmarkStockSync100k measured per
// pass, so that BenchmarkStockPassPaced states the 100,000-SKU figures
// from counted calls when both run (as in `make bench`).
var stock100k = stockCounts{m: map[string][2]float64{}}

type stockCounts struct {
	mu sync.Mutex
	m  map[string][2]float64 // sub-benchmark name suffix → LOGILESS, ecforce calls
}

func (c *stockCounts) record(name string, ll, ec float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[name[strings.LastIndex(name, "/")+1:]] = [2]float64{ll, ec}
}

func (c *stockCounts) get(pass string) ([2]float64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[pass]
	return v, ok
}

// BenchmarkStockPassPaced runs full stock passes of 3,000 mapped SKUs
// against the strict sandbox with both APIs at 1 request/s (burst 1, the
// clients paced at the same rate), with nothing changed and with 1%
// changed: the connector's ReconcileStock on the dev server, and the naive
// sequential pass (for each 100 rows: a LOGILESS search, then an ecforce
// lookup, then a write of what differs, one request after the other) with
// the same clients. It reports the wall time of each against
// max(LOGILESS calls, ecforce calls) seconds (target ≤ 1.05). A second
// no-change pass with pages of 250 rows tells the connector's fixed
// overhead from its overhead per page, and the 100,000-SKU pass at 1
// request/s is stated from the calls BenchmarkStockSync100k counted (run
// alone: these counts scaled) plus those overheads for 100 pages; the
// naive pass's from its measured time per call.
func BenchmarkStockPassPaced(b *testing.B) {
	for i := 0; i < b.N; i++ {
		benchStockPaced(b, i)
	}
}

type pacedPass struct {
	ll, ec, written int
	wall            time.Duration
	n429            int
}

// factor is the wall time over what the pass's calls need at least: the
// longer stream for the connector, the sum for the sequential pass.
func (p pacedPass) factor(overlapped bool) float64 {
	need := float64(max(p.ll, p.ec))
	if !overlapped {
		need = float64(p.ll + p.ec)
	}
	return p.wall.Seconds() * pacedRPS / need
}

func benchStockPaced(b *testing.B, iteration int) {
	tc := devServer(b)
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()
	quiet := slog.New(slog.DiscardHandler)
	sb := strictSandbox(ctx, b, pacedRPS, pacedRPS)

	var csv strings.Builder
	csv.WriteString("sku,article_code\n")
	free := func(i, round int) int { return 10 + (i+7*round)%40 }
	for i := range pacedSingles {
		code := singleCode(i)
		if _, err := sb.Logiless.SeedArticle(logilessapi.Article{Code: code, Name: code}); err != nil {
			b.Fatal(err)
		}
		if err := sb.Logiless.SetFreeStock(code, free(i, 0)); err != nil {
			b.Fatal(err)
		}
		if _, err := sb.Ecforce.SeedStockItem("SKU-"+code, ecforceapi.DefaultStockLocation, free(i, 0)); err != nil {
			b.Fatal(err)
		}
		fmt.Fprintf(&csv, "SKU-%s,%s\n", code, code)
	}
	for i := range pacedSets {
		code := fmt.Sprintf("SET%04d", i)
		if _, err := sb.Logiless.SeedArticle(logilessapi.Article{Code: code, Name: code, ArticleType: logilessapi.ArticleAssortment,
			Components: []logilessapi.ArticleComponent{{Component: singleCode(2 * i), Quantity: 1}, {Component: singleCode(2*i + 1), Quantity: 1}}}); err != nil {
			b.Fatal(err)
		}
		if _, err := sb.Ecforce.SeedStockItem("SKU-"+code, ecforceapi.DefaultStockLocation, min(free(2*i, 0), free(2*i+1, 0))); err != nil {
			b.Fatal(err)
		}
		fmt.Fprintf(&csv, "SKU-%s,%s\n", code, code)
	}
	// 1% changed: the LOGILESS free stock of 30 singles (in all three
	// pages) moves; round r moves them back and forth.
	changeOnePercent := func(round int) {
		for k := range pacedSKUs / 100 {
			i := k * 97 % pacedSingles
			if err := sb.Logiless.SetFreeStock(singleCode(i), free(i, round%2)); err != nil {
				b.Fatal(err)
			}
		}
	}

	shop := fmt.Sprintf("bench-paced-%d-%d", iteration, time.Now().UnixNano()%1e6)
	dir := b.TempDir()
	writeFile(b, filepath.Join(dir, "mapping.csv"), csv.String())
	writeFile(b, filepath.Join(dir, "shops.yaml"), shopsYAML(sb, shop, pacedRPS, pacedRPS, "    stock_sync: {enabled: true}\n"))
	bw := startBenchWorker(ctx, b, tc, sb, shop, dir, quiet)
	defer bw.stop()
	sh, err := bw.conn.StockSync.Shops.Shop(shop)
	if err != nil {
		b.Fatal(err)
	}

	measure := func(run func() int) pacedPass {
		time.Sleep(1500 * time.Millisecond) // both budgets full again
		sb.Ecforce.ResetRequestCounts()
		sb.Logiless.ResetRequestCounts()
		before := bw.statuses.count("LOGILESS", 429) + bw.statuses.count("ecforce", 429)
		start := time.Now()
		written := run()
		p := pacedPass{wall: time.Since(start), written: written,
			ll: total(sb.Logiless.RequestCounts()), ec: total(sb.Ecforce.RequestCounts())}
		p.n429 = bw.statuses.count("LOGILESS", 429) + bw.statuses.count("ecforce", 429) - before
		return p
	}
	connector := func(pageSize int) func() int {
		return func() int {
			bw.conn.StockSync.PageSize = pageSize
			run, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.ReconcileStockID(shop), TaskQueue: bw.queue},
				workflows.ReconcileStock, workflows.ReconcileStockInput{Shop: shop, Full: true})
			if err != nil {
				b.Fatal(err)
			}
			var res workflows.ReconcileStockResult
			if err := run.Get(ctx, &res); err != nil {
				b.Fatal(err)
			}
			if res.Read != pacedSKUs || res.Failed != 0 || res.ProblemCount != 0 {
				b.Fatalf("connector pass: %+v", res.Summary)
			}
			return res.Written
		}
	}
	naive := func() int { return naiveStockPass(ctx, b, sh, pacedSingles, pacedSets) }

	b.ResetTimer()
	nc := measure(connector(stocksync.DefaultPageSize))
	nc4 := measure(connector(stocksync.DefaultPageSize / 4)) // four times the page boundaries
	nn := measure(naive)
	changeOnePercent(1)
	cc := measure(connector(stocksync.DefaultPageSize))
	changeOnePercent(2)
	cn := measure(naive)
	b.StopTimer()
	// What the connector adds to its longer request stream: a fixed part
	// (starting the run, planning, recording) and a part per page (the
	// step from one page activity to the next), told apart by the run
	// with four times the pages.
	pages := func(size int) float64 { return float64((pacedSKUs + size - 1) / size) }
	over := func(p pacedPass) float64 { return p.wall.Seconds() - float64(max(p.ll, p.ec))/pacedRPS }
	perPage := max(0, (over(nc4)-over(nc))/(pages(stocksync.DefaultPageSize/4)-pages(stocksync.DefaultPageSize)))
	fixed := max(0, over(nc)-perPage*pages(stocksync.DefaultPageSize))
	b.Logf("connector overhead over its longer stream: %.2fs with %g pages, %.2fs with %g: %.2fs fixed + %.3fs per page",
		over(nc), pages(stocksync.DefaultPageSize), over(nc4), pages(stocksync.DefaultPageSize/4), fixed, perPage)
	if nc.written != 0 || nc4.written != 0 || nn.written != 0 || cc.written == 0 || cc.written != cn.written {
		b.Fatalf("SKUs written: connector %d and %d, naive %d and %d", nc.written, cc.written, nn.written, cn.written)
	}

	group := "stock full pass"
	note := fmt.Sprintf("measured, %d SKUs, both APIs %g req/s burst 1", pacedSKUs, pacedRPS)
	for _, c := range []struct {
		name      string
		conn, nai pacedPass
		pass      string // BenchmarkStockSync100k's sub-benchmark
	}{
		{"no change", nc, nn, "full-nochange"},
		{"1% changed", cc, cn, "full-1pct"},
	} {
		b.Logf("%s: connector %d LOGILESS + %d ecforce calls in %.1fs (%.3f × the longer stream), naive %d + %d in %.1fs (%.3f × their sum); 429s %d and %d",
			c.name, c.conn.ll, c.conn.ec, c.conn.wall.Seconds(), c.conn.factor(true), c.nai.ll, c.nai.ec, c.nai.wall.Seconds(), c.nai.factor(false), c.conn.n429, c.nai.n429)
		Report(b, Figure{Group: group, Name: fmt.Sprintf("%d SKUs, %s: wall time at 1 req/s", pacedSKUs, c.name), Unit: "s",
			Connector: c.conn.wall.Seconds(), Baseline: c.nai.wall.Seconds(), Note: note})
		Report(b, Figure{Group: group, Name: fmt.Sprintf("%d SKUs, %s: wall time over max(LOGILESS, ecforce calls) s", pacedSKUs, c.name),
			Connector: c.conn.factor(true), Baseline: c.nai.wall.Seconds() * pacedRPS / float64(max(c.nai.ll, c.nai.ec)),
			Target: "≤ 1.05", Note: note, Metric: "overlap-factor-" + strings.ReplaceAll(c.name, " ", "")})
		// 100,000 SKUs at 1 req/s: counted calls × the measured factor.
		counts, ok := stock100k.get(c.pass)
		how := "calls counted by BenchmarkStockSync100k"
		if !ok {
			scale := 100_000.0 / pacedSKUs
			counts = [2]float64{float64(c.conn.ll) * scale, float64(c.conn.ec) * scale}
			how = fmt.Sprintf("calls of this run ×%.1f (BenchmarkStockSync100k not run)", scale)
		}
		// The connector: its longer stream plus the measured overheads
		// for 100 pages; the naive pass: its measured time per call.
		connMin := (max(counts[0], counts[1])/pacedRPS + fixed + perPage*100_000/stocksync.DefaultPageSize) / 60
		naiveMin := c.nai.factor(false) * (counts[0] + counts[1]) / pacedRPS / 60
		Report(b, Figure{Group: group, Name: "100,000 SKUs, " + c.name + ": full pass at 1 req/s", Unit: "min",
			Connector: connMin, Baseline: naiveMin, Target: fmt.Sprintf("≤ %.1f (1.05 × %.0f calls)", 1.05*max(counts[0], counts[1])/60, max(counts[0], counts[1])),
			Note: fmt.Sprintf("%.0f LOGILESS + %.0f ecforce %s; connector: the longer stream + %.1fs fixed + %.3fs × 100 pages measured; naive: its measured s per call",
				counts[0], counts[1], how, fixed, perPage)})
	}
	Report(b, Figure{Group: group, Name: "429s over the four passes", Connector: float64(nc.n429 + cc.n429), Baseline: float64(nn.n429 + cn.n429), Target: "0"})
}

// naiveStockPass is the stock pass a new user would write, with the same
// paced clients: the set articles listed, then for each 100 mapped rows a
// LOGILESS search of their articles, an ecforce lookup of their SKUs and a
// write of those that differ, one request after the other. It returns the
// SKUs written.
func naiveStockPass(ctx context.Context, b *testing.B, sh *activities.Shop, singles, sets int) int {
	comps := map[string][]string{}
	err := sh.Logiless.ListArticles(ctx, logiless.ArticleQuery{ArticleType: logiless.ArticleTypeAssortment}, func(page []logiless.Article) error {
		for _, a := range page {
			for _, c := range a.Components {
				comps[a.Code] = append(comps[a.Code], c.ArticleCode)
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	var articles []string
	for i := range singles {
		articles = append(articles, singleCode(i))
	}
	for i := range sets {
		articles = append(articles, fmt.Sprintf("SET%04d", i))
	}
	written := 0
	for start := 0; start < len(articles); start += 100 {
		batch := articles[start:min(start+100, len(articles))]
		var codes []string
		for _, a := range batch {
			if cs, ok := comps[a]; ok {
				codes = append(codes, cs...)
			} else {
				codes = append(codes, a)
			}
		}
		free := map[string]int64{}
		for s := 0; s < len(codes); s += 100 {
			found, err := sh.Logiless.SearchLogicalInventory(ctx, codes[s:min(s+100, len(codes))])
			if err != nil {
				b.Fatal(err)
			}
			for _, f := range found {
				free[f.ArticleCode] = f.Free
			}
		}
		want := map[string]int64{}
		skus := make([]string, len(batch))
		for i, a := range batch {
			skus[i] = "SKU-" + a
			if cs, ok := comps[a]; ok {
				w := free[cs[0]]
				for _, c := range cs[1:] {
					w = min(w, free[c])
				}
				want[skus[i]] = w
			} else {
				want[skus[i]] = free[a]
			}
		}
		var updates []ecforce.StockUpdate
		err := sh.Ecforce.ListStockItems(ctx, ecforce.StockItemQuery{LocationCode: ecforceapi.DefaultStockLocation, SKUs: skus, MaxPages: 2},
			func(items []ecforce.StockItem) error {
				for _, it := range items {
					if w, ok := want[it.SKU]; ok && it.Stock != w {
						updates = append(updates, ecforce.StockUpdate{SKU: it.SKU, LocationCode: ecforceapi.DefaultStockLocation, Stock: w})
					}
				}
				return nil
			})
		if err != nil {
			b.Fatal(err)
		}
		if len(updates) > 0 {
			res, err := sh.Ecforce.UpdateStockItems(ctx, updates)
			if err != nil {
				b.Fatal(err)
			}
			written += len(res.Success)
		}
	}
	return written
}
