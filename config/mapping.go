package config

import "time"

// MappingSource is where a shop's 商品対応表 comes from.
type MappingSource string

// The mapping sources.
const (
	// MappingFromCSV reads the CSV file mapping_file.
	MappingFromCSV MappingSource = "csv"
	// MappingFromLogiless reads the article maps of the shop's LOGILESS
	// store: the table a shop moving from LOGILESS's own ecforce connector
	// already keeps.
	MappingFromLogiless MappingSource = "logiless"
)

// MappingMatch is the ecforce code the table's codes are matched with.
type MappingMatch string

// The mapping matches.
const (
	// MatchVariantSKU matches a row's code with the ecforce variant_sku
	// (our inference of what LOGILESS's ecforce connector puts in
	// mapped_code).
	MatchVariantSKU MappingMatch = "variant_sku"
	// MatchProductNumber matches it with the ecforce product_number
	// (商品コード). The stock sync writes per variant_sku, so it is refused
	// with this match.
	MatchProductNumber MappingMatch = "product_number"
)

// MappingRefreshSettings tune how the LOGILESS table is kept in step.
type MappingRefreshSettings struct {
	// Interval is the least time between two reads of the rows changed
	// in LOGILESS (updated_at_from); a read happens only when an import or
	// a stock sync needs the table (default 5m, from 1m to 1h).
	Interval time.Duration `yaml:"interval"`
	// FullEvery is how often every row is read again, which is how rows
	// deleted in LOGILESS are noticed (default 6h, at least Interval, at
	// most 168h).
	FullEvery time.Duration `yaml:"full_every"`
}
