// Package sharedstate owns the state that every worker process of a
// deployment must share: each shop's LOGILESS OAuth token pair (whose
// refresh token rotates on every refresh), its ecforce sign-in token and its
// stock sync watermark.
//
// Open picks the store from the process settings: files under
// CONNECTOR_STATE_DIR (one machine; the default, which `make demo` uses) or
// PostgreSQL (CONNECTOR_STATE_DATABASE_URL; workers on several machines).
// Both stores hold the LOGILESS refresh under a lock across re-read,
// refresh and save (flock on the file store, pg_advisory_xact_lock on
// PostgreSQL), so no two processes ever spend the same refresh token.
package sharedstate
