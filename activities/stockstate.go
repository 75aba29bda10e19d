package activities

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// StockSyncState is what a shop's stock sync remembers between runs, in
// <StateDir>/<shop>/stock-sync.json. Temporal Schedules start every run
// afresh, so the watermark of the last successful run has to live outside
// the workflow; the state directory already holds the shop's LOGILESS
// tokens, so every worker and the starter share it.
//
// Losing the file is safe: the next run is a full pass, which rewrites it.
type StockSyncState struct {
	Shop string `json:"shop"`
	// Since is when the last successful (not dry) run started: the next
	// incremental pass reads LOGILESS inventory updated from then (minus a
	// small overlap for clock skew).
	Since time.Time `json:"since"`
	// LastFullAt is when the last successful full pass started.
	LastFullAt time.Time `json:"last_full_at"`
	// MappingFingerprint identifies the mapping table that run used; a
	// changed table makes the next run a full pass.
	MappingFingerprint string `json:"mapping_fingerprint"`
	// RetrySKUs failed or were missing at the location in that run; the
	// next incremental pass looks at them again even if their LOGILESS
	// stock did not change (at most MaxStockRetrySKUs; the rest wait for the
	// next full pass).
	RetrySKUs []string  `json:"retry_skus,omitempty"`
	SavedAt   time.Time `json:"saved_at"`
}

// StockStateStore keeps each shop's StockSyncState in a file under a
// directory. Writes are atomic (temporary file, fsync, rename), so a crash
// never leaves half a file. It is safe for concurrent use by the runs of
// one process; two processes writing at the same instant leave one of the
// two complete files, which RecordStockSync's merging makes harmless.
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
func (s *StockStateStore) Load(shop string) (st StockSyncState, ok bool, err error) {
	b, err := os.ReadFile(s.Path(shop))
	if errors.Is(err, fs.ErrNotExist) {
		return StockSyncState{}, false, nil
	}
	if err != nil {
		return StockSyncState{}, false, fmt.Errorf("read stock sync state of shop %s: %w", shop, err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return StockSyncState{}, false, fmt.Errorf("stock sync state file %s is not valid JSON (%v); delete it and the next run is a full pass", s.Path(shop), err)
	}
	return st, true, nil
}

// Save replaces a shop's state atomically.
func (s *StockStateStore) Save(st StockSyncState) error {
	path := s.Path(st.Shop)
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("save stock sync state of shop %s: %w (check CONNECTOR_STATE_DIR)", st.Shop, err)
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("save stock sync state of shop %s: %w", st.Shop, err)
	}
	tmp, err := os.CreateTemp(dir, ".stock-sync-*.tmp")
	if err != nil {
		return fmt.Errorf("save stock sync state of shop %s: %w (check CONNECTOR_STATE_DIR)", st.Shop, err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("save stock sync state of shop %s: %w", st.Shop, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("save stock sync state of shop %s: %w", st.Shop, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save stock sync state of shop %s: %w", st.Shop, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save stock sync state of shop %s: %w", st.Shop, err)
	}
	if d, err := os.Open(dir); err == nil { // make the rename durable; best effort
		_ = d.Sync()
		d.Close()
	}
	return nil
}
