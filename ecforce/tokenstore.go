package ecforce

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/ecforce-logiless/connector/atomicfile"
)

// NewFileTokenStore returns a TokenStore keeping the token in the file at
// path. Writes are atomic (atomicfile.Write); the file is created with
// mode 0600 and its directory with 0700.
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

func (f fileTokenStore) SaveToken(ctx context.Context, token string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := atomicfile.Write(f.path, []byte(token+"\n"), 0o600); err != nil {
		return fmt.Errorf("save the ecforce token: %w", err)
	}
	return nil
}
