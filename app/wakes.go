package app

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/ecforce-logiless/connector/blockedruns"
	"github.com/ecforce-logiless/connector/config"
)

// FileWatchInterval is how often the worker looks at the shops' mapping
// files and {file: …} secrets for a change (one stat per file).
const FileWatchInterval = 10 * time.Second

// ShopFiles are the files a shop's blocked runs may wait on, by what they
// hold: its mapping CSV (when the table comes from a file) and every
// {file: …} secret. {env: …} secrets are not watched: a running process's
// environment does not change (rotating one needs a restart).
func ShopFiles(s config.Shop) map[string]string {
	files := map[string]string{}
	if s.MappingSource != config.MappingFromLogiless && s.MappingFile != "" {
		files[s.MappingFile] = "mapping file"
	}
	for what, ref := range map[string]config.SecretRef{
		"ecforce.api_token secret":      s.Ecforce.APIToken,
		"ecforce.password secret":       s.Ecforce.Password,
		"logiless.client_secret secret": s.Logiless.ClientSecret,
	} {
		if ref.File != "" {
			files[ref.File] = what
		}
	}
	return files
}

// FileWatch notices when a shop's files (ShopFiles) change: content
// replaced, rewritten, or appearing after being absent. It only stats.
type FileWatch struct {
	shops map[string]map[string]string // shop → path → what
	seen  map[string]fileStamp
}

type fileStamp struct {
	ok      bool
	size    int64
	modTime time.Time
	info    os.FileInfo
}

// FileChange is one shop whose files changed.
type FileChange struct {
	Shop string
	What string // "mapping file", "ecforce.api_token secret", …
}

// NewFileWatch watches the files of every shop; the first Changes reports
// nothing.
func NewFileWatch(shops *config.ShopsFile) *FileWatch {
	w := &FileWatch{shops: map[string]map[string]string{}, seen: map[string]fileStamp{}}
	for _, s := range shops.Shops {
		w.shops[s.Code] = ShopFiles(s)
		for path := range w.shops[s.Code] {
			w.seen[path] = stampOf(path)
		}
	}
	return w
}

func stampOf(path string) fileStamp {
	info, err := os.Stat(path)
	if err != nil {
		return fileStamp{}
	}
	return fileStamp{ok: true, size: info.Size(), modTime: info.ModTime(), info: info}
}

func (a fileStamp) same(b fileStamp) bool {
	if !a.ok || !b.ok {
		return a.ok == b.ok
	}
	return a.size == b.size && a.modTime.Equal(b.modTime) && os.SameFile(a.info, b.info)
}

// Changes returns the shops whose files changed since the last call, one
// entry per shop (naming the first file that changed). A file that
// vanished is no change: a rotation half done; its reappearance is.
func (w *FileWatch) Changes() []FileChange {
	var out []FileChange
	for shop, files := range w.shops {
		what := ""
		for path, holds := range files {
			now := stampOf(path)
			before := w.seen[path]
			if now.ok {
				w.seen[path] = now
			}
			if now.ok && !now.same(before) && what == "" {
				what = holds
			}
		}
		if what != "" {
			out = append(out, FileChange{Shop: shop, What: what})
		}
	}
	return out
}

// WakeOnFileChanges wakes a shop's blocked runs (blockedruns.Wake) whenever
// one of its files changes, checking every interval until ctx ends: a fixed
// mapping row or a rotated token clears the runs that wait on it without a
// restart and without any run polling an API. Every worker may run it; a
// run woken twice just tries once more.
func WakeOnFileChanges(ctx context.Context, c blockedruns.Client, namespace string, shops *config.ShopsFile, interval time.Duration, logger *slog.Logger) {
	w := NewFileWatch(shops)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for _, ch := range w.Changes() {
			woken, err := blockedruns.Wake(ctx, c, namespace, blockedruns.Filter{Shop: ch.Shop}, ch.What+" changed")
			if err != nil {
				logger.Warn("could not wake blocked runs after a file change", "shop", ch.Shop, "file", ch.What, "error", err)
				continue
			}
			logger.Info("file changed; woke the shop's blocked runs", "shop", ch.Shop, "file", ch.What, "woken", len(woken))
		}
	}
}
