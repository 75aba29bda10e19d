package httpapi

import (
	"net/http"
	"time"
)

// Observer is told about every HTTP exchange a client makes, for metrics.
// status is 0 when no answer came (timeout, dropped connection).
type Observer interface {
	ObserveResponse(api string, status int, elapsed time.Duration)
}

// StatusClass groups a status for a low-cardinality metric label: "2xx",
// "3xx", "4xx", "429", "5xx", or "error" when no answer came.
func StatusClass(status int) string {
	switch {
	case status == 0:
		return "error"
	case status == http.StatusTooManyRequests:
		return "429"
	case status >= 500:
		return "5xx"
	case status >= 400:
		return "4xx"
	case status >= 300:
		return "3xx"
	}
	return "2xx"
}
