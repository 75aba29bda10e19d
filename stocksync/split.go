package stocksync

import (
	"github.com/ecforce-logiless/connector/httpapi"
)

// splitOnRejection calls fn with items; when the API refuses the request as
// a whole as invalid (httpapi.Rejected), it tries each half, down to single
// items, and hands the items refused alone to rejected. One bad SKU or code
// thus costs a few extra requests instead of stopping the others. Other
// errors are returned as they are.
func splitOnRejection[T any](items []T, fn func([]T) error, rejected func(T, error)) error {
	if len(items) == 0 {
		return nil
	}
	err := fn(items)
	if err == nil || !httpapi.Rejected(err) {
		return err
	}
	if len(items) == 1 {
		rejected(items[0], err)
		return nil
	}
	mid := len(items) / 2
	if err := splitOnRejection(items[:mid], fn, rejected); err != nil {
		return err
	}
	return splitOnRejection(items[mid:], fn, rejected)
}
