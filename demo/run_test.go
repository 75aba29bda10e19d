package demo_test

import (
	"io/fs"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ecforce-logiless/connector/config"
)

// demoRoot copies the demo's files into a fresh directory laid out like the
// repository, so the script runs there and never near the real .state/.
func demoRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, "demo"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"run.sh", "env.sh", "shops.yaml", "mapping.csv"} {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "demo", name), data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func port(addr string) string { _, p, _ := net.SplitHostPort(addr); return p }

// demoEnv is the demo's port settings, every one free.
type demoEnv map[string]string

func newDemoEnv(t *testing.T) demoEnv {
	return demoEnv{
		"TEMPORAL_PORT":             port(freeAddr(t)),
		"UI_PORT":                   port(freeAddr(t)),
		"ECFORCE_ADDR":              freeAddr(t),
		"LOGILESS_ADDR":             freeAddr(t),
		"CONNECTOR_METRICS_ADDRESS": freeAddr(t),
		"CONNECTOR_WEBHOOK_ADDRESS": freeAddr(t),
	}
}

// run runs demo/run.sh in root with env and returns its exit code and output.
func run(t *testing.T, root string, env demoEnv, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command("bash", append([]string{filepath.Join(root, "demo", "run.sh")}, args...)...)
	cmd.Dir = root
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + root}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("run.sh: %v", err)
		}
		code = ee.ExitCode()
	}
	return code, string(out)
}

// snapshot is every file under dir with its content and modification time.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		entry := info.Mode().String() + " " + info.ModTime().String()
		if !d.IsDir() {
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			entry += " " + string(data)
		}
		files[rel] = entry
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// runningDemoState is what a running demo has in .state/.
func runningDemoState(t *testing.T, root string) {
	t.Helper()
	for name, content := range map[string]string{
		".state/demo/worker.log":                 "worker log of the running demo\n",
		".state/demo/temporal.log":               "temporal log of the running demo\n",
		".state/demo/shops.yaml":                 "shops: []\n",
		".state/demo/demo/logiless-tokens.json":  `{"refresh_token":"r"}`,
		".state/demo/demo/stock-sync.json":       `{"shop":"demo"}`,
		".state/demo-logs/20260101-000000/x.log": "older run\n",
	} {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// A second `make demo` over a running one (any of its ports taken) stops
// with a message naming the port, before it writes anything.
func TestRunRefusesWhileAPortIsTaken(t *testing.T) {
	for _, name := range []string{"TEMPORAL_PORT", "UI_PORT", "ECFORCE_ADDR", "LOGILESS_ADDR", "CONNECTOR_METRICS_ADDRESS", "CONNECTOR_WEBHOOK_ADDRESS"} {
		for _, mode := range [][]string{nil, {"--check"}, {"--prepare"}} {
			t.Run(name+strings.Join(mode, ""), func(t *testing.T) {
				root := demoRoot(t)
				runningDemoState(t, root)
				before := snapshot(t, filepath.Join(root, ".state"))

				holder, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				defer holder.Close()
				env := newDemoEnv(t)
				held := holder.Addr().String()
				if strings.HasSuffix(name, "_PORT") {
					env[name] = port(held)
				} else {
					env[name] = held
				}

				code, out := run(t, root, env, mode...)
				if code != 1 {
					t.Fatalf("exit code %d, want 1; output:\n%s", code, out)
				}
				if want := held + " is already in use"; !strings.Contains(out, want) || !strings.Contains(out, "nothing was changed") {
					t.Errorf("output does not say %q and that nothing was changed:\n%s", want, out)
				}
				if after := snapshot(t, filepath.Join(root, ".state")); !maps.Equal(before, after) {
					t.Errorf(".state/ changed:\nbefore %v\nafter  %v", before, after)
				}
			})
		}
	}
}

// Two demos starting at once: the one that finds the lock taken stops
// before it writes anything.
func TestRunRefusesWhileAnotherRunHoldsTheLock(t *testing.T) {
	if _, err := exec.LookPath("flock"); err != nil {
		t.Skip("no flock command: run.sh checks the ports only")
	}
	root := demoRoot(t)
	runningDemoState(t, root)
	lock, err := os.OpenFile(filepath.Join(root, ".state", "demo.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, filepath.Join(root, ".state"))

	for _, mode := range [][]string{nil, {"--check"}} {
		code, out := run(t, root, newDemoEnv(t), mode...)
		if code != 1 || !strings.Contains(out, "holds .state/demo.lock") {
			t.Fatalf("%v: exit code %d, want 1 with a message about the lock; output:\n%s", mode, code, out)
		}
		if after := snapshot(t, filepath.Join(root, ".state")); !maps.Equal(before, after) {
			t.Errorf("%v: .state/ changed:\nbefore %v\nafter  %v", mode, before, after)
		}
	}
}

// make demo runs the check before it builds; with nothing running it passes
// and writes nothing.
func TestRunCheckWritesNothing(t *testing.T) {
	root := demoRoot(t)
	if code, out := run(t, root, newDemoEnv(t), "--check"); code != 0 {
		t.Fatalf("exit code %d; output:\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(root, ".state")); !os.IsNotExist(err) {
		t.Errorf("--check created .state/ (err %v)", err)
	}
}

// Each start moves the previous run's logs to .state/demo-logs/<time>/ and
// keeps the newest KEEP_LOG_RUNS of them.
func TestRunKeepsThePreviousLogs(t *testing.T) {
	root := demoRoot(t)
	env := newDemoEnv(t)
	env["KEEP_LOG_RUNS"] = "2"
	logs := filepath.Join(root, ".state", "demo-logs")
	for i, content := range []string{"", "first run\n", "second run\n", "third run\n"} {
		if content != "" {
			if err := os.WriteFile(filepath.Join(root, ".state", "demo", "worker.log"), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		code, out := run(t, root, env, "--prepare")
		if code != 0 {
			t.Fatalf("start %d: exit code %d; output:\n%s", i+1, code, out)
		}
		if _, err := os.Stat(filepath.Join(root, ".state", "demo", "worker.log")); !os.IsNotExist(err) {
			t.Errorf("start %d: the previous worker.log is still in .state/demo (err %v)", i+1, err)
		}
	}
	kept := map[string]bool{}
	dirs, _ := os.ReadDir(logs)
	for _, d := range dirs {
		data, err := os.ReadFile(filepath.Join(logs, d.Name(), "worker.log"))
		if err != nil {
			t.Fatal(err)
		}
		kept[string(data)] = true
	}
	if len(dirs) != 2 || !kept["second run\n"] || !kept["third run\n"] {
		t.Errorf("kept logs %v in %d folders, want the second and third run's in 2", kept, len(dirs))
	}
}

// The shops file the demo's worker and starter read carries the sandbox
// addresses of this run and finds the demo's mapping table.
func TestRunWritesItsPortsIntoTheShopsFile(t *testing.T) {
	root := demoRoot(t)
	env := newDemoEnv(t)
	if code, out := run(t, root, env, "--prepare"); code != 0 {
		t.Fatalf("exit code %d; output:\n%s", code, out)
	}
	path := filepath.Join(root, ".state", "demo", "shops.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), ":18081") || strings.Contains(string(data), ":18082") {
		t.Errorf("the shops file still names the default sandbox ports:\n%s", data)
	}
	secrets := map[string]string{"DEMO_ECFORCE_PASSWORD": "p", "DEMO_LOGILESS_CLIENT_SECRET": "s", "DEMO_WEBHOOK_SECRET": "demo-webhook-secret-0123456789abcdef"}
	f, err := config.LoadShops(path, func(k string) (string, bool) { v, ok := secrets[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	s := f.Shops[0]
	for _, c := range []struct{ what, got, want string }{
		{"ecforce.base_url", s.Ecforce.BaseURL, "http://" + env["ECFORCE_ADDR"] + "/api/v2"},
		{"logiless.base_url", s.Logiless.BaseURL, "http://" + env["LOGILESS_ADDR"] + "/api"},
		{"logiless.oauth_base_url", s.Logiless.OAuthBaseURL, "http://" + env["LOGILESS_ADDR"]},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
	if want := filepath.Join(root, "demo", "mapping.csv"); s.MappingFile != want {
		t.Errorf("mapping_file = %q, want %q", s.MappingFile, want)
	}
}
