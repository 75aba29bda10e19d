package sharedstate

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/ecforce-logiless/connector/activities"
	"github.com/ecforce-logiless/connector/ecforce"
	"github.com/ecforce-logiless/connector/httpapi"
	"github.com/ecforce-logiless/connector/logiless"
)

// Store hands out the per-shop stores of one deployment.
type Store interface {
	// LogilessTokens is the shop's LOGILESS token pair. It implements
	// logiless.TokenLocker.
	LogilessTokens(shop string) logiless.TokenStore
	// EcforceToken is the shop's ecforce sign-in token.
	EcforceToken(shop string) ecforce.TokenStore
	// Budget is the request budget named key (an ecforce host, a LOGILESS
	// merchant) that every worker of the store shares.
	Budget(key string) httpapi.SharedBudget
	// StockStates holds every shop's stock sync watermark.
	StockStates() activities.StockStates
	// LogilessTokenSavedAt is when the shop's LOGILESS token pair was last
	// saved (the refresh token's issue time); false when none is stored.
	LogilessTokenSavedAt(ctx context.Context, shop string) (time.Time, bool)
	// Describe names the store for logs: "files under DIR" or
	// "PostgreSQL at HOST/DB", never a password.
	Describe() string
	Close()
}

// Open returns the PostgreSQL store when databaseURL is set, otherwise the
// file store under stateDir. The PostgreSQL schema is created on first use.
func Open(ctx context.Context, databaseURL, stateDir string) (Store, error) {
	if databaseURL != "" {
		return OpenPostgres(ctx, databaseURL)
	}
	return NewFiles(stateDir), nil
}

// Files is the single-machine store: files under one state directory, as
// laid out by LogilessTokenFile, EcforceTokenFile and
// activities.StockStateStore.
type Files struct{ dir string }

// NewFiles keeps state under dir.
func NewFiles(dir string) *Files { return &Files{dir: dir} }

// LogilessTokenFile is where a shop's LOGILESS OAuth tokens are kept.
func LogilessTokenFile(stateDir, shop string) string {
	return filepath.Join(stateDir, shop, "logiless-tokens.json")
}

// EcforceTokenFile is where a shop's ecforce sign-in token is kept.
func EcforceTokenFile(stateDir, shop string) string {
	return filepath.Join(stateDir, shop, "ecforce-session.token")
}

// LogilessTokens implements Store.
func (f *Files) LogilessTokens(shop string) logiless.TokenStore {
	return logiless.NewFileTokenStore(LogilessTokenFile(f.dir, shop))
}

// EcforceToken implements Store.
func (f *Files) EcforceToken(shop string) ecforce.TokenStore {
	return ecforce.NewFileTokenStore(EcforceTokenFile(f.dir, shop))
}

// Budget implements Store: a file under budgets/ of the state directory,
// shared by the workers of one machine.
func (f *Files) Budget(key string) httpapi.SharedBudget {
	return fileBudget{path: budgetPath(f.dir, key)}
}

// StockStates implements Store.
func (f *Files) StockStates() activities.StockStates { return activities.NewStockStateStore(f.dir) }

// LogilessTokenSavedAt implements Store: the file store replaces the file
// by renaming a freshly written one on every save, so its modification time
// is when the pair was saved.
func (f *Files) LogilessTokenSavedAt(ctx context.Context, shop string) (time.Time, bool) {
	store := logiless.NewFileTokenStore(LogilessTokenFile(f.dir, shop))
	tok, err := store.Load(ctx)
	if err != nil || tok.RefreshToken == "" {
		return time.Time{}, false
	}
	info, err := os.Stat(store.Path())
	if err != nil {
		return time.Time{}, false
	}
	return info.ModTime(), true
}

// Describe implements Store.
func (f *Files) Describe() string { return "files under " + f.dir }

// Close implements Store; files need no closing.
func (f *Files) Close() {}
