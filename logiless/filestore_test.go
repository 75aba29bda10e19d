package logiless

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestFileTokenStore(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "secrets")
	path := filepath.Join(dir, "shop-a.json")

	_, err := NewFileTokenStore(path).Load(ctx)
	if !errors.Is(err, ErrNotAuthorized) {
		t.Fatalf("Load of a missing file = %v, want ErrNotAuthorized", err)
	}

	tok := Token{AccessToken: "AT-file-1", RefreshToken: "RT-file-1", ExpiresAt: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	if err := NewFileTokenStore(path).Save(ctx, tok); err != nil {
		t.Fatal(err)
	}
	// A new store on the same path (a restarted process) reads it back.
	got, err := NewFileTokenStore(path).Load(ctx)
	if err != nil || got.AccessToken != tok.AccessToken || got.RefreshToken != tok.RefreshToken || !got.ExpiresAt.Equal(tok.ExpiresAt) {
		t.Fatalf("reopened Load = %v, %v; want %v", got, err, tok)
	}

	for p, want := range map[string]os.FileMode{path: 0o600, dir: 0o700} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s mode = %v, want %v", filepath.Base(p), fi.Mode().Perm(), want)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}

	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := NewFileTokenStore(path).Load(ctx); err == nil || !strings.Contains(err.Error(), "not valid JSON") {
		t.Errorf("corrupt file: err = %v", err)
	}
}

func TestFileTokenStoreWritesAtomically(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.json")
	s := NewFileTokenStore(path)
	if err := s.Save(ctx, Token{AccessToken: "AT-0", RefreshToken: "RT-0"}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Go(func() {
		defer close(done)
		for i := range 40 {
			if err := s.Save(ctx, Token{AccessToken: fmt.Sprintf("AT-%d", i), RefreshToken: fmt.Sprintf("RT-%d", i)}); err != nil {
				t.Error(err)
				return
			}
		}
	})
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			tok, err := NewFileTokenStore(path).Load(ctx)
			if err != nil {
				t.Errorf("a reader saw a partial file: %v", err)
				return
			}
			if strings.TrimPrefix(tok.AccessToken, "AT-") != strings.TrimPrefix(tok.RefreshToken, "RT-") {
				t.Errorf("a reader saw a mixed pair %v", tok)
				return
			}
		}
	})
	wg.Wait()
}

func TestFileTokenStoreLockExcludes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.json")
	a, b := NewFileTokenStore(path), NewFileTokenStore(path)
	unlock, err := a.LockTokens(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := b.LockTokens(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second lock while held = %v, want a deadline error", err)
	}
	unlock()
	unlock2, err := b.LockTokens(context.Background())
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	unlock2()
}
