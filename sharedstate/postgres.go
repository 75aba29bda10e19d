package sharedstate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ecforce-logiless/connector/activities"
	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/httpapi"
	"github.com/ecforce-logiless/connector/logiless"
	"github.com/ecforce-logiless/connector/stocksync"
)

// stockStateTimeout bounds one read or write of a stock watermark (the
// activities.StockStates methods take no context).
const stockStateTimeout = 30 * time.Second

// Postgres is the store shared by workers on several machines: three
// tables (see schema) in one PostgreSQL database.
type Postgres struct {
	pool *pgxpool.Pool
	desc string
}

// OpenPostgres connects to databaseURL (postgres://user:pass@host:port/db?…)
// and creates the schema if it is missing. The error never contains the
// password.
func OpenPostgres(ctx context.Context, databaseURL string) (*Postgres, error) {
	desc := describeURL(databaseURL)
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("CONNECTOR_STATE_DATABASE_URL is not a PostgreSQL URL (postgres://user:password@host:port/database)")
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to the state database %s: %w", desc, err)
	}
	p := &Postgres{pool: pool, desc: desc}
	if err := p.createSchema(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("state database %s: %w (is it running and does the user own the database?)", desc, err)
	}
	return p, nil
}

// describeURL is host/database of a URL, without user or password.
func describeURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(the configured database)"
	}
	return "PostgreSQL at " + u.Host + u.Path
}

func (p *Postgres) createSchema(ctx context.Context) error {
	return pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, 0)", lockSchema); err != nil {
			return fmt.Errorf("lock for the schema: %w", err)
		}
		if _, err := tx.Exec(ctx, schema); err != nil {
			return fmt.Errorf("create the schema: %w", err)
		}
		return nil
	})
}

// Describe implements Store.
func (p *Postgres) Describe() string { return p.desc }

// Close implements Store.
func (p *Postgres) Close() { p.pool.Close() }

// LogilessTokens implements Store.
func (p *Postgres) LogilessTokens(shop string) logiless.TokenStore {
	return &pgLogilessTokens{shop: shop, lk: &advisoryLock{pool: p.pool, class: lockLogilessTokens, shop: shop, what: "token lock"}}
}

// EcforceToken implements Store.
func (p *Postgres) EcforceToken(shop string) ecforce.TokenStore {
	return &pgEcforceToken{shop: shop, lk: &advisoryLock{pool: p.pool, class: lockEcforceSignIn, shop: shop, what: "sign-in lock"}}
}

// Budget implements Store: a row of connector_rate_budgets.
func (p *Postgres) Budget(key string) httpapi.SharedBudget { return pgBudget{pool: p.pool, key: key} }

// StockStates implements Store.
func (p *Postgres) StockStates() activities.StockStates { return pgStockStates{pool: p.pool} }

// LogilessTokenSavedAt implements Store.
func (p *Postgres) LogilessTokenSavedAt(ctx context.Context, shop string) (time.Time, bool) {
	var saved time.Time
	err := p.pool.QueryRow(ctx,
		"SELECT saved_at FROM connector_logiless_tokens WHERE shop = $1 AND refresh_token <> ''", shop).Scan(&saved)
	if err != nil {
		return time.Time{}, false
	}
	return saved, true
}

// rowQuerier is what a pooled connection and the pool both offer.
type rowQuerier interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}

// advisoryLock is a shop's lock of one kind (LOGILESS refresh, ecforce
// sign-in): pg_advisory_lock on a connection of its own, held until
// unlock. While it is held the store's statements run on that connection
// (each committed at once), so the holder never waits for a second
// connection of the pool and what it saves is durable before it is used.
// A process that dies releases the lock with its connection.
type advisoryLock struct {
	pool  *pgxpool.Pool
	class int32
	shop  string
	what  string // for errors: "token lock", "sign-in lock"

	mu   sync.Mutex
	conn *pgxpool.Conn // while held
}

// run runs f on the lock's connection if it is held, else on the pool.
func (l *advisoryLock) run(f func(q rowQuerier) error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn != nil {
		return f(l.conn)
	}
	return f(l.pool)
}

func (l *advisoryLock) lock(ctx context.Context) (func(), error) {
	conn, err := l.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect for the %s of shop %s: %w", l.what, l.shop, err)
	}
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1, hashtext($2))", l.class, l.shop); err != nil {
		// A cancelled wait may leave the connection unusable; drop it.
		_ = conn.Conn().Close(context.Background())
		conn.Release()
		return nil, fmt.Errorf("waiting for the %s of shop %s (held by another worker): %w", l.what, l.shop, err)
	}
	l.mu.Lock()
	l.conn = conn
	l.mu.Unlock()
	return func() {
		l.mu.Lock()
		l.conn = nil
		l.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := conn.Exec(ctx, "SELECT pg_advisory_unlock($1, hashtext($2))", l.class, l.shop); err != nil {
			// Closing the session releases every lock it holds.
			_ = conn.Conn().Close(context.Background())
		}
		conn.Release()
	}, nil
}

// pgLogilessTokens is one shop's LOGILESS token pair.
type pgLogilessTokens struct {
	shop string
	lk   *advisoryLock
}

func (s *pgLogilessTokens) Load(ctx context.Context) (logiless.Token, error) {
	var t logiless.Token
	var expires *time.Time
	err := s.lk.run(func(q rowQuerier) error {
		return q.QueryRow(ctx, "SELECT access_token, refresh_token, expires_at FROM connector_logiless_tokens WHERE shop = $1",
			s.shop).Scan(&t.AccessToken, &t.RefreshToken, &expires)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return logiless.Token{}, fmt.Errorf("no LOGILESS token of shop %s in the state database: %w", s.shop, logiless.ErrNotAuthorized)
	}
	if err != nil {
		return logiless.Token{}, fmt.Errorf("read the LOGILESS token of shop %s from the state database: %w", s.shop, err)
	}
	if expires != nil {
		t.ExpiresAt = *expires
	}
	if t.AccessToken == "" && t.RefreshToken == "" {
		return logiless.Token{}, fmt.Errorf("the state database holds no LOGILESS token of shop %s: %w", s.shop, logiless.ErrNotAuthorized)
	}
	return t, nil
}

// Save upserts the pair and counts the generation up; the statement is
// committed when Save returns.
func (s *pgLogilessTokens) Save(ctx context.Context, t logiless.Token) error {
	var expires *time.Time
	if !t.ExpiresAt.IsZero() {
		e := t.ExpiresAt.UTC()
		expires = &e
	}
	var generation int64
	err := s.lk.run(func(q rowQuerier) error {
		return q.QueryRow(ctx, `INSERT INTO connector_logiless_tokens (shop, access_token, refresh_token, expires_at, generation, saved_at)
VALUES ($1, $2, $3, $4, 1, now())
ON CONFLICT (shop) DO UPDATE SET access_token = EXCLUDED.access_token, refresh_token = EXCLUDED.refresh_token,
    expires_at = EXCLUDED.expires_at, generation = connector_logiless_tokens.generation + 1, saved_at = now()
RETURNING generation`, s.shop, t.AccessToken, t.RefreshToken, expires).Scan(&generation)
	})
	if err != nil {
		return fmt.Errorf("save the LOGILESS token of shop %s in the state database: %w", s.shop, err)
	}
	return nil
}

// LockTokens implements logiless.TokenLocker: one process at a time
// re-reads, refreshes and saves.
func (s *pgLogilessTokens) LockTokens(ctx context.Context) (func(), error) { return s.lk.lock(ctx) }

// pgEcforceToken is one shop's ecforce sign-in token and the record of
// every worker's sign-ins (ecforce.SharedSignIns).
type pgEcforceToken struct {
	shop string
	lk   *advisoryLock
}

func (s *pgEcforceToken) LoadToken(ctx context.Context) (string, error) {
	var tok string
	err := s.lk.run(func(q rowQuerier) error {
		return q.QueryRow(ctx, "SELECT token FROM connector_ecforce_sessions WHERE shop = $1", s.shop).Scan(&tok)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the ecforce token of shop %s from the state database: %w", s.shop, err)
	}
	return tok, nil
}

func (s *pgEcforceToken) SaveToken(ctx context.Context, token string) error {
	err := s.lk.run(func(q rowQuerier) error {
		var shop string
		return q.QueryRow(ctx, `INSERT INTO connector_ecforce_sessions (shop, token, saved_at) VALUES ($1, $2, now())
ON CONFLICT (shop) DO UPDATE SET token = EXCLUDED.token, saved_at = now() RETURNING shop`, s.shop, token).Scan(&shop)
	})
	if err != nil {
		return fmt.Errorf("save the ecforce token of shop %s in the state database: %w", s.shop, err)
	}
	return nil
}

// LockSignIn implements ecforce.SharedSignIns.
func (s *pgEcforceToken) LockSignIn(ctx context.Context) (func(), error) { return s.lk.lock(ctx) }

// SignInsSince implements ecforce.SharedSignIns.
func (s *pgEcforceToken) SignInsSince(ctx context.Context, since time.Time) ([]time.Time, error) {
	var out []time.Time
	err := s.lk.run(func(q rowQuerier) error {
		var times []time.Time
		if err := q.QueryRow(ctx, "SELECT coalesce(array_agg(at ORDER BY at), '{}') FROM connector_ecforce_sign_ins WHERE shop = $1 AND at >= $2",
			s.shop, since).Scan(&times); err != nil {
			return err
		}
		out = times
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the ecforce sign-ins of shop %s from the state database: %w", s.shop, err)
	}
	return out, nil
}

// RecordSignIn implements ecforce.SharedSignIns, keeping the last day.
func (s *pgEcforceToken) RecordSignIn(ctx context.Context, at time.Time) error {
	err := s.lk.run(func(q rowQuerier) error {
		var n int64
		return q.QueryRow(ctx, `WITH pruned AS (DELETE FROM connector_ecforce_sign_ins WHERE shop = $1 AND at < $2::timestamptz - interval '1 day')
INSERT INTO connector_ecforce_sign_ins (shop, at) VALUES ($1, $2) RETURNING 1`, s.shop, at).Scan(&n)
	})
	if err != nil {
		return fmt.Errorf("record an ecforce sign-in of shop %s in the state database: %w", s.shop, err)
	}
	return nil
}

// pgStockStates is every shop's stock sync watermark.
type pgStockStates struct{ pool *pgxpool.Pool }

func (s pgStockStates) Load(shop string) (stocksync.State, bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), stockStateTimeout)
	defer cancel()
	var raw []byte
	err := s.pool.QueryRow(ctx, "SELECT state FROM connector_stock_sync_state WHERE shop = $1", shop).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return stocksync.State{}, false, nil
	}
	if err != nil {
		return stocksync.State{}, false, fmt.Errorf("read stock sync state of shop %s from the state database: %w", shop, err)
	}
	var st stocksync.State
	if err := json.Unmarshal(raw, &st); err != nil {
		return stocksync.State{}, false, fmt.Errorf("stock sync state of shop %s in the state database is not valid (%v); delete its row and the next run is a full pass", shop, err)
	}
	return st, true, nil
}

func (s pgStockStates) Save(st stocksync.State) error {
	ctx, cancel := context.WithTimeout(context.Background(), stockStateTimeout)
	defer cancel()
	raw, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("save stock sync state of shop %s: %w", st.Shop, err)
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO connector_stock_sync_state (shop, state, saved_at) VALUES ($1, $2, now())
ON CONFLICT (shop) DO UPDATE SET state = EXCLUDED.state, saved_at = now()`, st.Shop, raw)
	if err != nil {
		return fmt.Errorf("save stock sync state of shop %s in the state database: %w (check CONNECTOR_STATE_DATABASE_URL)", st.Shop, err)
	}
	return nil
}
