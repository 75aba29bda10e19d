package mapping

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// racyWindow is how recent a file's modification time may be before its
// contents are distrusted: a file written twice within the file system's
// timestamp granularity keeps its mtime (and maybe its size), so a file this
// fresh is re-read on the next call instead of being cached.
const racyWindow = 2 * time.Second

// FileSource hands out the mapping table in one file and re-reads the file
// when it changes, so fixing the table takes effect without restarting the
// worker. It is safe for concurrent use.
type FileSource struct {
	path string
	now  func() time.Time

	mu     sync.Mutex
	loaded bool
	info   os.FileInfo // of the file last parsed
	stable bool        // info was older than racyWindow when parsed
	table  *Table
	err    error
}

// NewFileSource returns a source for the mapping table at path. Nothing is
// read until the first call to Table.
func NewFileSource(path string) *FileSource {
	return &FileSource{path: path, now: time.Now}
}

// Path returns the file the source reads.
func (s *FileSource) Path() string { return s.path }

// Table returns the current table. Each call costs one stat; the file is
// parsed again only when its modification time, size or identity (an atomic
// rename) changed, or when it was modified less than two seconds before it
// was last read (too recent to trust the timestamp).
// When the new file is invalid Table returns its *ValidationError (and keeps
// returning it until the file changes again): an old table is never served
// in place of a broken file.
func (s *FileSource) Table(ctx context.Context) (*Table, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	info, err := os.Stat(s.path)
	if err != nil {
		return nil, fmt.Errorf("mapping table: %w", err)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.loaded && s.stable && sameFile(s.info, info) {
		return s.table, s.err
	}
	// Stat before reading: if the file changes while we read it, the next
	// call sees a newer stamp and reads it again.
	table, err := LoadFile(s.path)
	var verr *ValidationError
	if err != nil && !errors.As(err, &verr) {
		// An I/O failure (permissions, a vanished file) may clear without
		// the file changing: do not cache it.
		s.loaded = false
		return nil, err
	}
	s.table, s.err = table, err
	s.loaded, s.info = true, info
	s.stable = s.now().Sub(info.ModTime()) >= racyWindow
	return s.table, s.err
}

// sameFile reports whether b describes the same, unchanged file as a.
func sameFile(a, b os.FileInfo) bool {
	return os.SameFile(a, b) && a.ModTime().Equal(b.ModTime()) && a.Size() == b.Size()
}
