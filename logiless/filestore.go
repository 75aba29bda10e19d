package logiless

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/ecforce-logiless/connector/atomicfile"
	"github.com/ecforce-logiless/connector/internal/filelock"
)

// FileTokenStore keeps a shop's token pair in a JSON file (mode 0600 in a
// 0700 directory), replaced atomically on every save. It implements
// TokenLocker with an exclusive flock on "<path>.lock", so a worker and
// the starter CLI sharing the file never refresh at the same time.
type FileTokenStore struct {
	path string
}

// NewFileTokenStore returns a store for the file at path. Nothing is read
// or created until the first Load, Save or LockTokens.
func NewFileTokenStore(path string) *FileTokenStore {
	return &FileTokenStore{path: path}
}

// Path returns the token file's path.
func (s *FileTokenStore) Path() string { return s.path }

// fileToken is the on-disk form; Token's own JSON form is redacted.
type fileToken struct {
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token"`
	ExpiresAt    time.Time `json:"expires_at"`
	SavedAt      time.Time `json:"saved_at"`
}

// Load reads the token. A missing file is ErrNotAuthorized.
func (s *FileTokenStore) Load(ctx context.Context) (Token, error) {
	if err := ctx.Err(); err != nil {
		return Token{}, err
	}
	data, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return Token{}, fmt.Errorf("no LOGILESS token file at %s: %w", s.path, ErrNotAuthorized)
	}
	if err != nil {
		return Token{}, fmt.Errorf("read the LOGILESS token file: %w", err)
	}
	var ft fileToken
	if err := json.Unmarshal(data, &ft); err != nil {
		// The error text of encoding/json quotes no content, but say
		// nothing more than where and what.
		return Token{}, fmt.Errorf("the LOGILESS token file %s is not valid JSON (%d bytes): authorize again to rewrite it", s.path, len(data))
	}
	if ft.AccessToken == "" && ft.RefreshToken == "" {
		return Token{}, fmt.Errorf("the LOGILESS token file %s holds no token: %w", s.path, ErrNotAuthorized)
	}
	return Token{AccessToken: ft.AccessToken, RefreshToken: ft.RefreshToken, ExpiresAt: ft.ExpiresAt}, nil
}

// Save replaces the token file atomically (atomicfile.Write), so a crash
// never leaves half a rotated token pair.
func (s *FileTokenStore) Save(ctx context.Context, t Token) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := json.MarshalIndent(fileToken{
		AccessToken: t.AccessToken, RefreshToken: t.RefreshToken,
		ExpiresAt: t.ExpiresAt, SavedAt: time.Now().UTC(),
	}, "", "  ")
	if err != nil {
		return fmt.Errorf("encode the LOGILESS token: %w", err)
	}
	if err := atomicfile.Write(s.path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("save the LOGILESS token: %w", err)
	}
	return nil
}

// LockTokens takes the exclusive cross-process lock on "<path>.lock",
// waiting until it is free or ctx ends. Call unlock to release it.
func (s *FileTokenStore) LockTokens(ctx context.Context) (unlock func(), err error) {
	dir := filepath.Dir(s.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create the token directory %s: %w", dir, err)
	}
	return filelock.Lock(ctx, s.path+".lock")
}
