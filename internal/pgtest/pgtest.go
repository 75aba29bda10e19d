// Package pgtest gives tests a real PostgreSQL: Debian's server binaries
// (package postgresql, which `make test` installs) started as a private
// cluster in a temporary directory, one per test binary, with a fresh
// database per test. CONNECTOR_TEST_DATABASE_URL points the tests at an
// existing server instead. Without either a test is skipped with a message,
// except under CI=true, where it fails.
package pgtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

var (
	once    sync.Once
	baseURL string // postgres://…/ without a database
	dataDir string
	pgCtl   string
	asUser  []string // runuser prefix when running as root
	startEr error
	seq     atomic.Int64
)

// URL returns the URL of a new, empty database for t.
func URL(t testing.TB) string {
	t.Helper()
	once.Do(start)
	if startEr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is needed (make postgres installs it): %v", startEr)
		}
		t.Skipf("skipped: no PostgreSQL (run `make postgres`, or set CONNECTOR_TEST_DATABASE_URL): %v", startEr)
	}
	name := fmt.Sprintf("connector_test_%d_%d", os.Getpid(), seq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, baseURL+"postgres?sslmode=disable")
	if err != nil {
		t.Fatalf("connect to the test PostgreSQL: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	return baseURL + name + "?sslmode=disable"
}

// Stop stops the private cluster, if one was started; call it from
// TestMain after m.Run.
func Stop() {
	if dataDir == "" {
		return
	}
	cmd := exec.Command(asUser[0], append(asUser[1:], pgCtl, "stop", "-D", dataDir, "-m", "immediate", "-w")...)
	_ = cmd.Run()
	_ = os.RemoveAll(filepath.Dir(dataDir))
}

func start() {
	if u := os.Getenv("CONNECTOR_TEST_DATABASE_URL"); u != "" {
		// postgres://user@host:port/db → keep everything up to the path.
		i := strings.LastIndex(u, "/")
		baseURL = u[:i+1]
		return
	}
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		startEr = fmt.Errorf("no /usr/lib/postgresql/*/bin/initdb (apt-get install postgresql)")
		return
	}
	sort.Strings(bins)
	bin := filepath.Dir(bins[len(bins)-1])
	pgCtl = filepath.Join(bin, "pg_ctl")
	asUser = []string{"env"}
	root, err := os.MkdirTemp("", "connector-pg-")
	if err != nil {
		startEr = err
		return
	}
	if os.Geteuid() == 0 {
		// postgres refuses to run as root: run it as Debian's postgres user.
		u, err := user.Lookup("postgres")
		if err != nil {
			startEr = fmt.Errorf("running as root and there is no postgres user: %w", err)
			return
		}
		asUser = []string{"runuser", "-u", "postgres", "--"}
		if out, err := exec.Command("chown", u.Uid+":"+u.Gid, root).CombinedOutput(); err != nil {
			startEr = fmt.Errorf("chown %s: %v: %s", root, err, out)
			return
		}
	}
	run := func(args ...string) error {
		cmd := exec.Command(asUser[0], append(asUser[1:], args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %v: %s", filepath.Base(args[0]), err, strings.TrimSpace(string(out)))
		}
		return nil
	}
	dir := filepath.Join(root, "data")
	if err := run(filepath.Join(bin, "initdb"), "-D", dir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"); err != nil {
		startEr = err
		return
	}
	port, err := freePort()
	if err != nil {
		startEr = err
		return
	}
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off -c max_connections=200", port, root)
	if err := run(pgCtl, "start", "-D", dir, "-w", "-t", "60", "-l", filepath.Join(root, "log"), "-o", opts); err != nil {
		startEr = err
		return
	}
	dataDir = dir
	baseURL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/", port)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
