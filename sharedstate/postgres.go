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
	return &pgLogilessTokens{pool: p.pool, shop: shop}
}

// EcforceToken implements Store.
func (p *Postgres) EcforceToken(shop string) ecforce.TokenStore {
	return pgEcforceToken{pool: p.pool, shop: shop}
}

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

// pgLogilessTokens is one shop's LOGILESS token pair. While the lock is
// held, Load and Save run on the lock's own connection (each statement
// committed at once), so a refresh never waits for a second connection of
// the pool and a saved pair is durable before Save returns.
type pgLogilessTokens struct {
	pool *pgxpool.Pool
	shop string

	mu   sync.Mutex
	conn *pgxpool.Conn // the lock's connection, while held
}

// rowQuerier is what a pooled connection and the pool both offer.
type rowQuerier interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}

// exec runs f on the lock's connection if it is held, else on the pool.
func (s *pgLogilessTokens) exec(f func(q rowQuerier) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != nil {
		return f(s.conn)
	}
	return f(s.pool)
}

func (s *pgLogilessTokens) Load(ctx context.Context) (logiless.Token, error) {
	var t logiless.Token
	var expires *time.Time
	err := s.exec(func(q rowQuerier) error {
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
	err := s.exec(func(q rowQuerier) error {
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

// LockTokens implements logiless.TokenLocker with pg_advisory_lock on a
// connection of its own, held until unlock: one process at a time re-reads,
// refreshes and saves. A process that dies releases it with its connection.
func (s *pgLogilessTokens) LockTokens(ctx context.Context) (func(), error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect for the token lock of shop %s: %w", s.shop, err)
	}
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1, hashtext($2))", lockLogilessTokens, s.shop); err != nil {
		// A cancelled wait may leave the connection unusable; drop it.
		_ = conn.Conn().Close(context.Background())
		conn.Release()
		return nil, fmt.Errorf("waiting for the token lock of shop %s (another worker is refreshing): %w", s.shop, err)
	}
	s.mu.Lock()
	s.conn = conn
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		s.conn = nil
		s.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := conn.Exec(ctx, "SELECT pg_advisory_unlock($1, hashtext($2))", lockLogilessTokens, s.shop); err != nil {
			// Closing the session releases every lock it holds.
			_ = conn.Conn().Close(context.Background())
		}
		conn.Release()
	}, nil
}

// pgEcforceToken is one shop's ecforce sign-in token.
type pgEcforceToken struct {
	pool *pgxpool.Pool
	shop string
}

func (s pgEcforceToken) LoadToken(ctx context.Context) (string, error) {
	var tok string
	err := s.pool.QueryRow(ctx, "SELECT token FROM connector_ecforce_sessions WHERE shop = $1", s.shop).Scan(&tok)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the ecforce token of shop %s from the state database: %w", s.shop, err)
	}
	return tok, nil
}

func (s pgEcforceToken) SaveToken(ctx context.Context, token string) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO connector_ecforce_sessions (shop, token, saved_at) VALUES ($1, $2, now())
ON CONFLICT (shop) DO UPDATE SET token = EXCLUDED.token, saved_at = now()`, s.shop, token)
	if err != nil {
		return fmt.Errorf("save the ecforce token of shop %s in the state database: %w", s.shop, err)
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
