package ecforce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ecforce-logiless/connector/atomicfile"
	"github.com/ecforce-logiless/connector/internal/filelock"
)

// NewFileTokenStore returns a TokenStore keeping the token in the file at
// path. Writes are atomic (atomicfile.Write); the file is created with
// mode 0600 and its directory with 0700.
// A missing file loads as "" without error. It implements SharedSignIns for
// the processes of one machine: an flock on "<path>.lock" and the sign-in
// times of the last hour in "<path>.sign-ins".
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

// LockSignIn implements SharedSignIns with an flock on "<path>.lock".
func (f fileTokenStore) LockSignIn(ctx context.Context) (func(), error) {
	dir := filepath.Dir(f.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create the token directory %s: %w", dir, err)
	}
	return filelock.Lock(ctx, f.path+".lock")
}

// SignInsSince implements SharedSignIns.
func (f fileTokenStore) SignInsSince(ctx context.Context, since time.Time) ([]time.Time, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(f.path + ".sign-ins")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the ecforce sign-in record: %w", err)
	}
	var all []time.Time
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, fmt.Errorf("the ecforce sign-in record %s.sign-ins is not valid JSON; delete it", f.path)
	}
	var out []time.Time
	for _, t := range all {
		if !t.Before(since) {
			out = append(out, t)
		}
	}
	return out, nil
}

// RecordSignIn implements SharedSignIns, keeping the last hour.
func (f fileTokenStore) RecordSignIn(ctx context.Context, at time.Time) error {
	kept, err := f.SignInsSince(ctx, at.Add(-signInWindow))
	if err != nil {
		kept = nil // a broken record is replaced
	}
	b, err := json.Marshal(append(kept, at.UTC()))
	if err != nil {
		return err
	}
	if err := atomicfile.Write(f.path+".sign-ins", b, 0o600); err != nil {
		return fmt.Errorf("record the ecforce sign-in: %w", err)
	}
	return nil
}
