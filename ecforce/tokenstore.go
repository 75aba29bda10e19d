package ecforce

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// NewFileTokenStore returns a TokenStore keeping the token in the file at
// path. Writes are atomic (temporary file in the same directory, fsync,
// rename); the file is created with mode 0600 and its directory with 0700.
// A missing file loads as "" without error.
func NewFileTokenStore(path string) TokenStore { return fileTokenStore{path: path} }

type fileTokenStore struct{ path string }

func (f fileTokenStore) LoadToken(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	b, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading the ecforce token file %s: %w (check its permissions)", f.path, err)
	}
	return strings.TrimSpace(string(b)), nil
}

func (f fileTokenStore) SaveToken(ctx context.Context, token string) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	dir := filepath.Dir(f.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating the directory for the ecforce token file %s: %w", f.path, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(f.path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("creating a temporary file next to the ecforce token file %s: %w", f.path, err)
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmpName)
		}
	}()
	if err = tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("restricting the permissions of %s: %w", tmpName, err)
	}
	if _, err = tmp.WriteString(token + "\n"); err != nil {
		return fmt.Errorf("writing the ecforce token to %s: %w", tmpName, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", tmpName, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", tmpName, err)
	}
	if err = os.Rename(tmpName, f.path); err != nil {
		return fmt.Errorf("replacing the ecforce token file %s: %w", f.path, err)
	}
	// Make the rename durable; not every platform can sync a directory.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
