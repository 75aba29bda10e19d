package app

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/config"
)

// The watch reports a shop once when its mapping file or a {file:}
// secret is rewritten or replaced, not when nothing changed, and not while
// a file is missing (a rotation half done) — but when it comes back.
func TestFileWatchChanges(t *testing.T) {
	dir := t.TempDir()
	mappingFile, token := filepath.Join(dir, "mapping.csv"), filepath.Join(dir, "token")
	write := func(path, content string, age time.Duration) {
		t.Helper()
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		at := time.Now().Add(-age)
		if err := os.Chtimes(path, at, at); err != nil {
			t.Fatal(err)
		}
	}
	write(mappingFile, "sku,article_code\n", time.Hour)
	write(token, "old", time.Hour)
	shop := config.Shop{Code: "demo", MappingSource: config.MappingFromCSV, MappingFile: mappingFile}
	shop.Ecforce.APIToken.File = token
	w := NewFileWatch(&config.ShopsFile{Shops: []config.Shop{shop, {Code: "other"}}})

	if got := w.Changes(); len(got) != 0 {
		t.Fatalf("first look: %v, want nothing", got)
	}
	write(mappingFile, "sku,article_code\nA,A\n", 0)
	if got := w.Changes(); len(got) != 1 || got[0] != (FileChange{Shop: "demo", What: "mapping file"}) {
		t.Errorf("after the mapping changed: %v", got)
	}
	if got := w.Changes(); len(got) != 0 {
		t.Errorf("nothing changed since: %v", got)
	}
	if err := os.Remove(token); err != nil {
		t.Fatal(err)
	}
	if got := w.Changes(); len(got) != 0 {
		t.Errorf("secret file missing: %v, want nothing", got)
	}
	write(token, "new", 0)
	if got := w.Changes(); len(got) != 1 || got[0].What != "ecforce.api_token secret" {
		t.Errorf("after the secret was replaced: %v", got)
	}
}
