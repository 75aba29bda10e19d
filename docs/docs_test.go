package docs

import (
	"bufio"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// root is the module root, seen from this package's directory.
const root = ".."

// markdownFiles are the files whose links and anchors must resolve.
func markdownFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	translated, err := filepath.Glob(filepath.Join(root, "docs", "*", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	return append(append([]string{filepath.Join(root, "README.md")}, files...), translated...)
}

// japaneseGuide is the operator guide for shop staff.
var japaneseGuide = filepath.Join(root, "docs", "ja", "operator-guide.md")

// TestJapaneseGuideCoversEveryErrorType checks that the Japanese operator
// guide has a heading for every error type that docs/errors.md has a
// section for, so a type added to the runbook is not missing for shop staff.
func TestJapaneseGuideCoversEveryErrorType(t *testing.T) {
	runbook, err := sectionHeadings(filepath.Join(root, "docs", "errors.md"))
	if err != nil {
		t.Fatal(err)
	}
	guide, err := headingTexts(japaneseGuide)
	if err != nil {
		t.Fatal(err)
	}
	typeName := regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)
	var types []string
	for h := range runbook {
		if typeName.MatchString(h) {
			types = append(types, h)
		}
	}
	sort.Strings(types)
	if len(types) < 10 {
		t.Fatalf("found only %d error type sections in docs/errors.md (%v); has its layout changed?", len(types), types)
	}
	for _, typ := range types {
		if !guide[typ] {
			t.Errorf("docs/ja/operator-guide.md has no heading %q (docs/errors.md has a section for it)", typ)
		}
	}
}

// TestJapaneseGuideCoversEveryOutcome checks that every ConnectorOutcome
// value (the Outcome* string constants of workflows/) appears in the
// Japanese operator guide as code, e.g. `imported` or `failed:<種別>`.
func TestJapaneseGuideCoversEveryOutcome(t *testing.T) {
	outcomes, err := stringConstants(filepath.Join(root, "workflows"), "Outcome")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := outcomes["imported"]; !ok {
		t.Fatalf("Outcome constants found (%v) do not include imported; is the parse right?", sortedKeys(outcomes))
	}
	src, err := os.ReadFile(japaneseGuide)
	if err != nil {
		t.Fatal(err)
	}
	for _, value := range sortedKeys(outcomes) {
		if !strings.Contains(string(src), "`"+value) {
			t.Errorf("docs/ja/operator-guide.md does not mention the outcome `%s` (%s)", value, outcomes[value])
		}
	}
}

// headingTexts returns the texts of every heading of a Markdown file.
func headingTexts(path string) (map[string]bool, error) {
	headings := map[string]bool{}
	err := eachProseLine(path, func(_ int, line string) {
		if text, ok := headingText(line); ok {
			headings[text] = true
		}
	})
	return headings, err
}

// TestLinksResolve checks that every relative Markdown link in README.md and
// docs/*.md names a file that exists and, for a #fragment into a Markdown
// file, a heading that is there (by GitHub's anchor rules).
func TestLinksResolve(t *testing.T) {
	anchors := map[string]map[string]bool{}
	anchorsOf := func(path string) map[string]bool {
		if a, ok := anchors[path]; ok {
			return a
		}
		a, err := fileAnchors(path)
		if err != nil {
			t.Fatal(err)
		}
		anchors[path] = a
		return a
	}
	for _, file := range markdownFiles(t) {
		links, err := fileLinks(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range links {
			target, fragment, _ := strings.Cut(l.target, "#")
			if isExternal(target) {
				continue
			}
			path := file
			if target != "" {
				path = filepath.Join(filepath.Dir(file), filepath.FromSlash(target))
				if _, err := os.Stat(path); err != nil {
					t.Errorf("%s:%d: link to %q: no such file", rel(file), l.line, l.target)
					continue
				}
			}
			if fragment == "" || !strings.HasSuffix(path, ".md") {
				continue
			}
			if !anchorsOf(path)[fragment] {
				t.Errorf("%s:%d: link to %q: %s has no heading with anchor #%s", rel(file), l.line, l.target, rel(path), fragment)
			}
		}
	}
}

// TestEveryErrorTypeHasARunbook checks that docs/errors.md has a section
// "## <type>" for every ErrType* string constant in the module's Go code,
// and no section for a type the code does not have.
func TestEveryErrorTypeHasARunbook(t *testing.T) {
	types, err := errorTypes(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(types) == 0 {
		t.Fatal("found no ErrType* constants in the module; has the error classification moved out of Go constants?")
	}
	if _, ok := types["UnmappedSKU"]; !ok {
		t.Errorf("ErrType constants found (%v) do not include UnmappedSKU; is the parse right?", sortedKeys(types))
	}
	headings, err := sectionHeadings(filepath.Join(root, "docs", "errors.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, value := range sortedKeys(types) {
		if !headings[value] {
			t.Errorf("docs/errors.md has no section \"## %s\" (constant %s)", value, types[value])
		}
	}
	typeName := regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)
	for h := range headings {
		if _, ok := types[h]; typeName.MatchString(h) && !ok {
			t.Errorf("docs/errors.md has a section \"## %s\", but no ErrType constant has that value", h)
		}
	}
}

// TestRunbookPointersResolve checks that every "docs/errors.md#<type>" the
// Go code writes (in an error string or a comment) names a section of
// docs/errors.md.
func TestRunbookPointersResolve(t *testing.T) {
	anchors, err := fileAnchors(filepath.Join(root, "docs", "errors.md"))
	if err != nil {
		t.Fatal(err)
	}
	pointer := regexp.MustCompile(`docs/errors\.md#([A-Za-z0-9_-]+)`)
	err = walkGo(root, true, func(path string) error {
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(src), "\n") {
			for _, m := range pointer.FindAllStringSubmatch(line, -1) {
				if !anchors[m[1]] {
					t.Errorf("%s:%d: points at docs/errors.md#%s, which is no section of docs/errors.md", rel(path), i+1, m[1])
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

type link struct {
	target string
	line   int
}

var (
	// inlineCode is a code span; links inside one are text, not links.
	inlineCode = regexp.MustCompile("`[^`]*`")
	// mdLink is [text](target) or [text](target "title"), and the same
	// with ! for images.
	mdLink = regexp.MustCompile(`\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)
	// htmlAnchor is an explicit <a id="…"> or <a name="…">.
	htmlAnchor = regexp.MustCompile(`<a\s+(?:id|name)="([^"]+)"`)
)

// fileLinks returns the links of a Markdown file outside code blocks.
func fileLinks(path string) ([]link, error) {
	var links []link
	err := eachProseLine(path, func(n int, line string) {
		for _, m := range mdLink.FindAllStringSubmatch(inlineCode.ReplaceAllString(line, ""), -1) {
			links = append(links, link{target: strings.Trim(m[1], "<>"), line: n})
		}
	})
	return links, err
}

// fileAnchors returns the anchors GitHub gives the headings of a Markdown
// file, plus explicit HTML anchors.
func fileAnchors(path string) (map[string]bool, error) {
	anchors := map[string]bool{}
	seen := map[string]int{}
	err := eachProseLine(path, func(_ int, line string) {
		for _, m := range htmlAnchor.FindAllStringSubmatch(line, -1) {
			anchors[m[1]] = true
		}
		text, ok := headingText(line)
		if !ok {
			return
		}
		slug := githubSlug(text)
		if k := seen[slug]; k > 0 {
			anchors[fmt.Sprintf("%s-%d", slug, k)] = true
		} else {
			anchors[slug] = true
		}
		seen[slug]++
	})
	return anchors, err
}

// sectionHeadings returns the texts of the level-2 headings of a file.
func sectionHeadings(path string) (map[string]bool, error) {
	headings := map[string]bool{}
	err := eachProseLine(path, func(_ int, line string) {
		if text, ok := strings.CutPrefix(line, "## "); ok {
			headings[strings.TrimSpace(text)] = true
		}
	})
	return headings, err
}

// eachProseLine calls fn for every line of a Markdown file that is not in a
// fenced code block.
func eachProseLine(path string, fn func(n int, line string)) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	fence := ""
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if fence != "" {
			if strings.HasPrefix(trimmed, fence) {
				fence = ""
			}
			continue
		}
		if strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~") {
			fence = trimmed[:3]
			continue
		}
		fn(n, line)
	}
	return sc.Err()
}

// headingText returns the text of an ATX heading ("## Text").
func headingText(line string) (string, bool) {
	trimmed := strings.TrimLeft(line, "#")
	level := len(line) - len(trimmed)
	if level == 0 || level > 6 || !strings.HasPrefix(trimmed, " ") {
		return "", false
	}
	return strings.TrimSpace(strings.TrimRight(strings.TrimSpace(trimmed), "#")), true
}

// githubSlug is the anchor GitHub derives from a heading: lower case,
// punctuation and symbols dropped, spaces turned into hyphens; letters of
// any script, digits, hyphens and underscores kept.
func githubSlug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.M, r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isExternal(target string) bool {
	return strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:")
}

// errorTypes returns the value → constant name of every string constant
// named ErrType* in the module's non-test Go files.
func errorTypes(dir string) (map[string]string, error) {
	return stringConstants(dir, "ErrType")
}

// stringConstants returns the value → file and name of every string
// constant whose name starts with prefix in the non-test Go files under dir.
func stringConstants(dir, prefix string) (map[string]string, error) {
	types := map[string]string{}
	fset := token.NewFileSet()
	err := walkGo(dir, false, func(path string) error {
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if !strings.HasPrefix(name.Name, prefix) || i >= len(vs.Values) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					value, err := strconv.Unquote(lit.Value)
					if err != nil {
						return fmt.Errorf("%s: %s: %w", path, name.Name, err)
					}
					types[value] = rel(path) + ": " + name.Name
				}
			}
		}
		return nil
	})
	return types, err
}

// walkGo calls fn for every Go file of the module (tests only if withTests),
// skipping hidden directories, testdata and build output.
func walkGo(dir string, withTests bool, fn func(path string) error) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != dir && (strings.HasPrefix(name, ".") || name == "testdata" || name == "bin" || name == "vendor" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || (!withTests && strings.HasSuffix(path, "_test.go")) {
			return nil
		}
		return fn(path)
	})
}

func rel(path string) string {
	if r, err := filepath.Rel(root, path); err == nil {
		return filepath.ToSlash(r)
	}
	return path
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
