// Package mapping holds the product mapping table (商品対応表): which LOGILESS
// article ships for each ecforce SKU, and how much of that article's free stock
// the shop may sell.
//
// The table is a CSV file kept by the operator. Parse and LoadFile read it
// (UTF-8 with or without BOM, LF or CRLF, columns found by header name, with
// Japanese header aliases) and report every problem with its file line, so
// the whole file can be fixed in one pass. FileSource re-reads the file when
// it changes, so a worker picks up a fixed table without a restart.
//
// Or the table is the 商品対応表 a LOGILESS store keeps (its article maps):
// LogilessSource reads it through the client, keeps it in the worker and
// reads again only what changed (updated_at_from) at most once per
// interval, and every row now and then to notice deletions. A row whose
// 自動在庫連携 is off (Row.StockSyncOff) maps orders but is never written by
// the stock sync.
//
// # Stock arithmetic
//
// SetFree computes the free stock of a set article (セット商品) from its
// components: the minimum over the components of floor(free ÷ quantity).
//
// Row.Allocate turns the free stock of a row's article into the stock written
// to ecforce, applying the row's settings in this order:
//
//  1. 下限 (Min): if Min is set and free < Min, the result is 0.
//  2. 予備在庫数 (Reserve): v = free − Reserve.
//  3. 在庫割当率 (AllocationRate): v = floor(v × AllocationRate ÷ 100).
//  4. 上限 (Max): if Max is set, v = min(v, Max).
//  5. The result is never negative: v = max(v, 0).
//
// LOGILESS documents what each setting means but not the order in which it
// applies them or how it rounds; the order above is our inference (see
// logiless-api.md §5) and is the one this package guarantees.
package mapping
