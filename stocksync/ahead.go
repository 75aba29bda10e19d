package stocksync

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/ecforce-logiless/connector/mapping"
)

// MaxAheadAge is how long free stock read ahead is used: a page that
// starts later (a retry after an outage, a long wait behind other flows)
// reads LOGILESS again. Older values would still be safe, because every
// read ahead happens after the pass started and the next incremental pass
// reads every change from that start, but a full pass should write what
// LOGILESS said a moment ago.
const MaxAheadAge = 5 * time.Minute

// AheadStock is the LOGILESS free stock of a page's articles, read while
// the page before it was compared and written in ecforce, so that the page
// starts with it instead of waiting for LOGILESS. It travels from one page
// activity to the next through the workflow and is bounded by the page:
// at most one number per article code (about 5 KiB for 1,000 rows), not the codes
// themselves, which the next page derives again from its rows (NeedCodes)
// and checks against Codes.
type AheadStock struct {
	// Codes identifies the page's article codes in order: a hash of
	// NeedCodes of its rows with the set catalogue of the read.
	Codes string
	// Free is the free stock of the first len(Free) of those codes, in
	// that order: the read ahead stops when the page before is done, and
	// the page reads the rest itself.
	Free []int64
	// Missing are the positions of codes LOGILESS does not know (absent
	// from its answer); Unread those it refused or was not asked about,
	// which the page reads again itself.
	Missing []int `json:",omitempty"`
	Unread  []int `json:",omitempty"`
	// ReadAt is when the read began.
	ReadAt time.Time
}

// NeedCodes returns the article codes whose free stock rows need, in row
// order without repeats: each row's article, or a set article's
// components; rows with stock sync off need none.
func NeedCodes(rows []mapping.Row, sets *SetCatalog) []string {
	var need []string
	seen := map[string]bool{}
	for _, row := range rows {
		if row.StockSyncOff {
			continue
		}
		codes := []string{row.ArticleCode}
		if comps, ok := sets.Components(row.ArticleCode); ok {
			codes = codes[:0]
			for _, c := range comps {
				codes = append(codes, c.ArticleCode)
			}
		}
		for _, c := range codes {
			if !seen[c] {
				seen[c] = true
				need = append(need, c)
			}
		}
	}
	return need
}

// codesKey is the hash AheadStock.Codes holds for codes.
func codesKey(codes []string) string {
	h := sha256.New()
	for _, c := range codes {
		h.Write([]byte(c))
		h.Write([]byte{0x1f})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// aheadRead is what a page knows of its articles from an AheadStock: free
// stock by code, and the codes LOGILESS does not know.
type aheadRead struct {
	free   map[string]int64
	absent map[string]bool
}

// decode returns what a says of the codes rows need, or nil when a was read
// for other codes (another page, a changed table or set catalogue), is
// older than MaxAheadAge at now, or is malformed.
func (a *AheadStock) decode(rows []mapping.Row, sets *SetCatalog, now time.Time) *aheadRead {
	if a == nil || a.ReadAt.IsZero() || now.Sub(a.ReadAt) > MaxAheadAge {
		return nil
	}
	codes := NeedCodes(rows, sets)
	if len(a.Free) > len(codes) || codesKey(codes) != a.Codes {
		return nil
	}
	skip := map[int]bool{}
	for _, i := range a.Unread {
		skip[i] = true
	}
	out := &aheadRead{free: make(map[string]int64, len(codes)), absent: map[string]bool{}}
	for _, i := range a.Missing {
		if i < 0 || i >= len(a.Free) {
			return nil
		}
		if !skip[i] {
			out.absent[codes[i]] = true
			skip[i] = true
		}
	}
	for i, v := range a.Free {
		if !skip[i] {
			out.free[codes[i]] = v
		}
	}
	return out
}

// has reports whether the read covers code, and its free stock if LOGILESS
// knows it.
func (r *aheadRead) has(code string) (free int64, known, covered bool) {
	if r == nil {
		return 0, false, false
	}
	if r.absent[code] {
		return 0, false, true
	}
	free, known = r.free[code]
	return free, known, known
}
