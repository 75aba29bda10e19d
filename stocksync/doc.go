// Package stocksync owns the rules of the stock sync (在庫連動): which pass a
// run makes (full or incremental) and what it records afterwards, which
// mapping rows a page looks at, the stock each ecforce SKU should have
// (LOGILESS free stock through the row's reserve, allocation rate, max and
// min; set articles from their components), what changed, what is skipped
// and why, the problems per SKU, the bounded Summary of a run, and the
// splitting of a request the API refuses as a whole, so that one bad SKU never
// blocks the others.
//
// It is free of Temporal and of the API clients: the engine reads and
// writes through the small interfaces it declares (FreeStock, Location,
// SetLister, ChangeLister), so it is table-tested with in-memory fakes and
// the activities pass thin adapters over the real clients. The per-worker
// caches of a run (Indexes, SetCatalogs, Changes) live here too, one type
// each, usable as zero values.
package stocksync
