package sharedstate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ecforce-logiless/connector/httpapi"
	"github.com/ecforce-logiless/connector/internal/filelock"
)

// A request budget (one ecforce host, one LOGILESS merchant) is shared by
// every worker through the store: the next free request slot and a hold
// until which nobody sends (a 429, X-RateLimit-Remaining 0). Each
// reservation is one short statement (PostgreSQL, whose clock every worker
// reads) or one locked read and write of a small file (one machine, one
// clock).

// pgBudget is one budget's row of connector_rate_budgets.
type pgBudget struct {
	pool *pgxpool.Pool
	key  string
}

// Reserve implements httpapi.SharedBudget with one atomic upsert: the row
// lock serializes the workers, and the slot is on the server's clock as of
// the statement's start (a wait for the row lock makes the caller's
// estimate of that clock later, never early).
func (b pgBudget) Reserve(ctx context.Context, interval time.Duration) (slot, now time.Time, err error) {
	err = b.pool.QueryRow(ctx, `INSERT INTO connector_rate_budgets AS b (budget, next_at, hold_until)
VALUES ($1, statement_timestamp() + make_interval(secs => $2::float8 / 1e6), '-infinity')
ON CONFLICT (budget) DO UPDATE SET next_at = greatest(b.next_at, b.hold_until, statement_timestamp()) + make_interval(secs => $2::float8 / 1e6)
RETURNING b.next_at - make_interval(secs => $2::float8 / 1e6), statement_timestamp()`,
		b.key, interval.Microseconds()).Scan(&slot, &now)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("reserve a request of budget %q in the state database: %w", b.key, err)
	}
	return slot, now, nil
}

// Hold implements httpapi.SharedBudget.
func (b pgBudget) Hold(ctx context.Context, d time.Duration) error {
	_, err := b.pool.Exec(ctx, `INSERT INTO connector_rate_budgets AS b (budget, next_at, hold_until)
VALUES ($1, statement_timestamp(), statement_timestamp() + make_interval(secs => $2::float8 / 1e6))
ON CONFLICT (budget) DO UPDATE SET hold_until = greatest(b.hold_until, EXCLUDED.hold_until)`, b.key, d.Microseconds())
	if err != nil {
		return fmt.Errorf("hold budget %q in the state database: %w", b.key, err)
	}
	return nil
}

// fileBudget is one budget's state file, changed under its lock file.
type fileBudget struct {
	path string // the state file; the lock is path + ".lock"
}

// budgetFile is the JSON of a fileBudget.
type budgetFile struct {
	NextAt    time.Time `json:"next_at"`
	HoldUntil time.Time `json:"hold_until"`
}

// budgetPath is the file of a budget under dir: its key hashed (a key holds
// a URL).
func budgetPath(dir, key string) string {
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(dir, "budgets", hex.EncodeToString(sum[:8])+".json")
}

// change runs f on the budget's state under its lock and saves it.
func (b fileBudget) change(ctx context.Context, f func(st *budgetFile, now time.Time)) error {
	if err := os.MkdirAll(filepath.Dir(b.path), 0o700); err != nil {
		return fmt.Errorf("request budget directory: %w", err)
	}
	// The time before the lock, as PostgreSQL's statement_timestamp(): a
	// wait for the lock then makes the caller's slots later, never early.
	now := time.Now()
	unlock, err := filelock.Lock(ctx, b.path+".lock")
	if err != nil {
		return err
	}
	defer unlock()
	var st budgetFile
	raw, err := os.ReadFile(b.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("read the request budget %s: %w", b.path, err)
	default:
		// A damaged file only loses the current slot: start afresh.
		_ = json.Unmarshal(raw, &st)
	}
	f(&st, now)
	out, _ := json.Marshal(st)
	// Written in place without a sync: only lock holders read it, and a
	// file torn by a crash only loses the current slot.
	if err := os.WriteFile(b.path, out, 0o600); err != nil {
		return fmt.Errorf("save the request budget %s: %w", b.path, err)
	}
	return nil
}

// Reserve implements httpapi.SharedBudget.
func (b fileBudget) Reserve(ctx context.Context, interval time.Duration) (slot, now time.Time, err error) {
	err = b.change(ctx, func(st *budgetFile, at time.Time) {
		slot, now = at, at
		if st.NextAt.After(slot) {
			slot = st.NextAt
		}
		if st.HoldUntil.After(slot) {
			slot = st.HoldUntil
		}
		st.NextAt = slot.Add(interval)
	})
	return slot, now, err
}

// Hold implements httpapi.SharedBudget.
func (b fileBudget) Hold(ctx context.Context, d time.Duration) error {
	return b.change(ctx, func(st *budgetFile, now time.Time) {
		if t := now.Add(d); t.After(st.HoldUntil) {
			st.HoldUntil = t
		}
	})
}

var (
	_ httpapi.SharedBudget = pgBudget{}
	_ httpapi.SharedBudget = fileBudget{}
)
