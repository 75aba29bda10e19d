package mapping

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// writeAged replaces a file atomically (as a careful editor or deploy does)
// and sets its modification time to age ago, so the source may trust it.
func writeAged(t *testing.T, path, content string, age time.Duration) {
	t.Helper()
	tmp, err := os.CreateTemp(filepath.Dir(path), "tmp-*")
	if err != nil {
		t.Error(err)
		return
	}
	_, err = tmp.WriteString(content)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	stamp := time.Now().Add(-age)
	if err == nil {
		err = os.Chtimes(tmp.Name(), stamp, stamp)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		t.Error(err)
	}
}

func TestFileSourceReloads(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "map.csv")
	writeAged(t, path, "sku,article_code\nA,X\n", time.Hour)
	src := NewFileSource(path)
	if src.Path() != path {
		t.Errorf("Path = %q", src.Path())
	}

	first, err := src.Table(ctx)
	if err != nil || first.Len() != 1 {
		t.Fatalf("Table = %v, %v", first, err)
	}
	again, err := src.Table(ctx)
	if err != nil || again != first {
		t.Errorf("unchanged file was parsed again (or failed: %v)", err)
	}

	// A broken file replaces the table with its validation error.
	writeAged(t, path, "sku,article_code\nA,X\nB,\n", 50*time.Minute)
	_, err = src.Table(ctx)
	var verr *ValidationError
	if !errors.As(err, &verr) || verr.File != path {
		t.Fatalf("after breaking the file: %v; want its ValidationError", err)
	}
	if _, err2 := src.Table(ctx); err2 != err {
		t.Errorf("unchanged broken file: got %v, want the cached error", err2)
	}

	// Fixing it takes effect.
	writeAged(t, path, "sku,article_code\nA,X\nB,Y\n", 40*time.Minute)
	fixed, err := src.Table(ctx)
	if err != nil || fixed.Len() != 2 {
		t.Fatalf("after fixing: %v, %v", fixed, err)
	}

	// A vanished file is an error, not the old table.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if table, err := src.Table(ctx); !errors.Is(err, os.ErrNotExist) || table != nil {
		t.Errorf("after removal: %v, %v", table, err)
	}
}

func TestFileSourceRereadsFreshFiles(t *testing.T) {
	// Two writes within the timestamp granularity and of equal size look
	// identical to stat; a fresh file must therefore not be cached.
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "map.csv")
	stamp := time.Now()
	write := func(content string) {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, stamp, stamp); err != nil {
			t.Fatal(err)
		}
	}
	write("sku,article_code\nA,X\n")
	src := NewFileSource(path)
	if _, err := src.Table(ctx); err != nil {
		t.Fatal(err)
	}
	write("sku,article_code\nA,Y\n")
	table, err := src.Table(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := table.Lookup("A"); r.ArticleCode != "Y" {
		t.Errorf("fresh file served from cache: article %q", r.ArticleCode)
	}
}

func TestFileSourceContextAndConcurrency(t *testing.T) {
	path := filepath.Join(t.TempDir(), "map.csv")
	writeAged(t, path, "sku,article_code\nA,X\n", time.Hour)
	src := NewFileSource(path)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := src.Table(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}

	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%4 == 0 {
				writeAged(t, path, "sku,article_code\nA,X\nB,Y\n", time.Duration(i)*time.Minute)
			}
			if table, err := src.Table(context.Background()); err != nil || table.Len() == 0 {
				t.Errorf("Table = %v, %v", table, err)
			}
		}()
	}
	wg.Wait()
}
