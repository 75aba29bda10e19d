package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDeployLinksResolve checks that every link into docs/ that the files in
// deploy/ carry (the alert rules' runbook_url, the dashboard's texts) names
// a file of docs/ and a heading in it, and that the rule whose runbook is
// chosen by the failure's reason ("errors.md#{{ $labels.reason | toLower }}")
// finds a section for every error type.
func TestDeployLinksResolve(t *testing.T) {
	var files []string
	for _, pattern := range []string{"*/*.yml", "*/*.yaml", "*/*.json"} {
		m, err := filepath.Glob(filepath.Join(root, "deploy", pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("found no files in deploy/*/")
	}
	pointer := regexp.MustCompile(`docs/([a-z0-9-]+\.md)#(\{\{[^}]*\}\}|[A-Za-z0-9_-]+)`)
	anchors := map[string]map[string]bool{}
	anchorsOf := func(file string) map[string]bool {
		if a, ok := anchors[file]; ok {
			return a
		}
		a, err := fileAnchors(filepath.Join(root, "docs", file))
		if err != nil {
			t.Fatal(err)
		}
		anchors[file] = a
		return a
	}
	byReason := false
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(src), "\n") {
			for _, m := range pointer.FindAllStringSubmatch(line, -1) {
				file, fragment := m[1], m[2]
				if _, err := os.Stat(filepath.Join(root, "docs", file)); err != nil {
					t.Errorf("%s:%d: links to docs/%s, which does not exist", rel(path), i+1, file)
					continue
				}
				if strings.HasPrefix(fragment, "{{") {
					if file != "errors.md" || !strings.Contains(line, "$labels.reason | toLower") {
						t.Errorf("%s:%d: a templated link docs/%s#%s is checked only for errors.md by reason", rel(path), i+1, file, fragment)
					}
					byReason = true
					continue
				}
				if !anchorsOf(file)[fragment] {
					t.Errorf("%s:%d: links to docs/%s#%s, which is no heading there", rel(path), i+1, file, fragment)
				}
			}
		}
	}
	if byReason {
		types, err := errorTypes(root)
		if err != nil {
			t.Fatal(err)
		}
		for _, value := range sortedKeys(types) {
			if !anchorsOf("errors.md")[strings.ToLower(value)] {
				t.Errorf("the runbook by reason finds no docs/errors.md#%s (error type %s)", strings.ToLower(value), value)
			}
		}
	}
}
