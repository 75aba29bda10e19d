package httpapi

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

func TestRetryDelay(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		status int
		header map[string]string
		want   time.Duration
	}{
		{"retry-after seconds", 429, map[string]string{"Retry-After": "7"}, 7 * time.Second},
		{"retry-after date", 503, map[string]string{"Retry-After": now.Add(90 * time.Second).Format(http.TimeFormat)}, 90 * time.Second},
		{"retry-after past date", 503, map[string]string{"Retry-After": now.Add(-time.Minute).Format(http.TimeFormat)}, 0},
		{"ratelimit reset on 429", 429, map[string]string{"X-RateLimit-Reset": fmt.Sprint(now.Add(3 * time.Second).Unix())}, 3 * time.Second},
		{"ratelimit reset with remaining 0", 200, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": fmt.Sprint(now.Add(2 * time.Second).Unix())}, 2 * time.Second},
		{"ratelimit reset ignored while remaining", 200, map[string]string{"X-RateLimit-Remaining": "5", "X-RateLimit-Reset": fmt.Sprint(now.Add(2 * time.Second).Unix())}, 0},
		{"garbage", 429, map[string]string{"Retry-After": "soon"}, 0},
		{"nothing", 429, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			if got := RetryDelay(tt.status, h, now); got != tt.want {
				t.Errorf("RetryDelay = %v, want %v", got, tt.want)
			}
		})
	}
}
