package activities

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ecforce-logiless/connector/atomicfile"
	"github.com/ecforce-logiless/connector/stocksync"
)

// StockStates keeps each shop's stocksync.State where every worker sees it:
// the StockStateStore files of one machine, or the shared PostgreSQL store
// of package sharedstate.
type StockStates interface {
	// Load reads a shop's state; ok is false when there is none yet.
	Load(shop string) (st stocksync.State, ok bool, err error)
	// Save replaces a shop's state.
	Save(st stocksync.State) error
}

// StockStateStore keeps each shop's stocksync.State in
// <StateDir>/<shop>/stock-sync.json. The state directory already holds the
// shop's LOGILESS tokens, so every worker and the starter share it. Losing
// the file is safe: the next run is a full pass, which rewrites it.
//
// Writes are atomic (temporary file, fsync, rename), so a crash never leaves
// half a file. It is safe for concurrent use by the runs of one process; two
// processes writing at the same instant leave one of the two complete files,
// which RecordStockSync's merging makes harmless.
type StockStateStore struct {
	dir string
}

// NewStockStateStore keeps state under dir (the worker's StateDir).
func NewStockStateStore(dir string) *StockStateStore {
	return &StockStateStore{dir: dir}
}

// Path is the state file of a shop.
func (s *StockStateStore) Path(shop string) string {
	return filepath.Join(s.dir, shop, "stock-sync.json")
}

// Load reads a shop's state; ok is false when there is none yet.
func (s *StockStateStore) Load(shop string) (st stocksync.State, ok bool, err error) {
	b, err := os.ReadFile(s.Path(shop))
	if errors.Is(err, fs.ErrNotExist) {
		return stocksync.State{}, false, nil
	}
	if err != nil {
		return stocksync.State{}, false, fmt.Errorf("read stock sync state of shop %s: %w", shop, err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return stocksync.State{}, false, fmt.Errorf("stock sync state %s is not valid JSON (%v); delete it and the next run is a full pass", s.Path(shop), err)
	}
	return st, true, nil
}

// Save replaces a shop's state atomically.
func (s *StockStateStore) Save(st stocksync.State) error {
	path := s.Path(st.Shop)
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("save stock sync state of shop %s: %w", st.Shop, err)
	}
	if err := atomicfile.Write(path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("save stock sync state of shop %s: %w (check CONNECTOR_STATE_DIR)", st.Shop, err)
	}
	return nil
}
