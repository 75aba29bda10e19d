package stocksync

// Why a mapped SKU was not brought in step: Problem.Reason.
const (
	// ReasonArticleUnknown: LOGILESS returned no stock for the row's
	// article. Nothing is written: an unknown stock is never sold, and a
	// zero is not written on an absence either.
	ReasonArticleUnknown = "article-unknown"
	// ReasonSetNotComputable: a set article with an unknown component or an
	// invalid component quantity.
	ReasonSetNotComputable = "set-not-computable"
	// ReasonMissingAtLocation: ecforce has no stock item for the SKU at the
	// shop's location code.
	ReasonMissingAtLocation = "missing-at-location"
	// ReasonWriteRejected: ecforce refused the write of this SKU.
	ReasonWriteRejected = "write-rejected"
	// ReasonReadRejected: ecforce refused to look this SKU up.
	ReasonReadRejected = "read-rejected"
	// ReasonAutoSyncOff: the row's 自動在庫連携 (automatic stock sync) is
	// off in the 商品対応表, so its stock is never written. It is the
	// shop's choice, not a problem: it is counted in Skips.AutoSyncOff and
	// listed in no Problems.
	ReasonAutoSyncOff = "auto-sync-off"
)

// Bounds that keep every activity result, heartbeat and workflow input small
// whatever the size of the catalog.
const (
	// MaxProblems is how many problems a summary lists (all count).
	MaxProblems = 100
	// MaxChanges is how many changed SKUs a summary lists (all count).
	MaxChanges = 500
	// MaxRetrySKUs is how many failed SKUs the next incremental pass
	// retries; the rest wait for the next full pass.
	MaxRetrySKUs = 1000
)

// Skips counts mapped SKUs left alone, by reason.
type Skips struct {
	ArticleUnknown    int // LOGILESS has no stock for the article
	SetNotComputable  int // a set article whose components cannot be read
	MissingAtLocation int // no ecforce stock item at the location code
	Unlimited         int // ecforce does not count this SKU's stock (在庫無制限)
	AutoSyncOff       int // the row's 自動在庫連携 is off (ReasonAutoSyncOff)
}

// Total is the number of skipped SKUs.
func (k Skips) Total() int {
	return k.ArticleUnknown + k.SetNotComputable + k.MissingAtLocation + k.Unlimited + k.AutoSyncOff
}

// Problem is one SKU an operator should look at.
type Problem struct {
	SKU         string
	ArticleCode string
	Reason      string // a Reason* value
	Detail      string // what happened and what to do
}

// Change is one SKU whose ecforce stock differed from what LOGILESS allows:
// written, or in a dry run, to be written.
type Change struct {
	SKU  string
	From int64 // ecforce stock before
	To   int64 // computed from LOGILESS
}

// Summary is what a stock sync (or one page of it) did. Counts are
// complete; Problems and Changes list the first MaxProblems and MaxChanges
// entries.
//
// Read = Unchanged + Changed + Skipped.Total() + the SKUs whose ecforce
// lookup was refused (counted in Failed); Changed = Written + the refused
// writes (also in Failed); in a dry run nothing is Written.
type Summary struct {
	Read      int // mapping rows looked at
	Unchanged int // ecforce already had the value
	Changed   int // ecforce differed
	Written   int // writes ecforce accepted
	Failed    int // SKUs ecforce refused (write or lookup)
	Skipped   Skips
	// Problems are SKUs an operator should look at (failed, missing at the
	// location, unknown article, uncomputable set).
	Problems     []Problem
	ProblemCount int
	Changes      []Change
}

// Add adds o's counts to s and appends o's lists up to their bounds.
func (s *Summary) Add(o Summary) {
	s.Read += o.Read
	s.Unchanged += o.Unchanged
	s.Changed += o.Changed
	s.Written += o.Written
	s.Failed += o.Failed
	s.Skipped.ArticleUnknown += o.Skipped.ArticleUnknown
	s.Skipped.SetNotComputable += o.Skipped.SetNotComputable
	s.Skipped.MissingAtLocation += o.Skipped.MissingAtLocation
	s.Skipped.Unlimited += o.Skipped.Unlimited
	s.Skipped.AutoSyncOff += o.Skipped.AutoSyncOff
	s.ProblemCount += o.ProblemCount
	for _, p := range o.Problems {
		if len(s.Problems) >= MaxProblems {
			break
		}
		s.Problems = append(s.Problems, p)
	}
	for _, c := range o.Changes {
		if len(s.Changes) >= MaxChanges {
			break
		}
		s.Changes = append(s.Changes, c)
	}
}

func (s *Summary) problem(p Problem) {
	s.ProblemCount++
	if len(s.Problems) < MaxProblems {
		s.Problems = append(s.Problems, p)
	}
}

func (s *Summary) change(c Change) {
	s.Changed++
	if len(s.Changes) < MaxChanges {
		s.Changes = append(s.Changes, c)
	}
}

func (s Summary) clone() Summary {
	s.Problems = append([]Problem(nil), s.Problems...)
	s.Changes = append([]Change(nil), s.Changes...)
	return s
}
