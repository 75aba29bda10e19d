package e2e

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

// checkNoWritesOutsideTempDirs runs the tests and then fails the run if
// any file of the module changed or appeared meanwhile: the tests keep
// their state, shops files, binaries and browser profiles in temporary
// directories, and never touch a developer's .state/ (a running demo's
// tokens and logs). Only UPDATE_REPLAY_HISTORIES=1 may write, into
// workflows/testdata. Not checked: .git/ (commits made while the tests
// run are not the tests' writes), bin/, outputs a developer asks go test
// for (*.test, *.out, *.prof), and .state/, where a demo running beside the
// tests writes its logs (no e2e test names it).
func checkNoWritesOutsideTempDirs(run func() int) int {
	_, file, _, _ := runtime.Caller(0)
	module := filepath.Dir(filepath.Dir(file))
	before, err := moduleFiles(module)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: list the module's files:", err)
		return 1
	}
	code := run()
	after, err := moduleFiles(module)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: list the module's files:", err)
		return 1
	}
	var changed []string
	for path, stamp := range after {
		if before[path] != stamp {
			changed = append(changed, path)
		}
	}
	for path := range before {
		if _, ok := after[path]; !ok {
			changed = append(changed, path+" (removed)")
		}
	}
	if len(changed) > 0 {
		sort.Strings(changed)
		fmt.Fprintf(os.Stderr, "e2e: the tests wrote outside their temporary directories: %s; write into t.TempDir() instead\n", strings.Join(changed, ", "))
		return 1
	}
	return code
}

// moduleFiles is every file of the module with its size and modification
// time, relative to the module root.
func moduleFiles(module string) (map[string]string, error) {
	updating := os.Getenv("UPDATE_REPLAY_HISTORIES") != ""
	files := map[string]string{}
	err := filepath.WalkDir(module, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(module, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == ".git" || rel == "bin" || rel == ".state" || (updating && rel == "workflows/testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		for _, suffix := range []string{".test", ".out", ".prof"} {
			if strings.HasSuffix(rel, suffix) {
				return nil
			}
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		files[rel] = fmt.Sprintf("%d %s", info.Size(), info.ModTime())
		return nil
	})
	return files, err
}
