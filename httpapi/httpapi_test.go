package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
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

func TestStatusErrorClassification(t *testing.T) {
	tests := []struct {
		status int
		want   bool
	}{{400, false}, {401, false}, {403, false}, {404, false}, {408, true}, {422, false}, {423, false}, {429, true}, {500, true}, {502, true}, {503, true}}
	for _, tt := range tests {
		err := fmt.Errorf("create sales order X: %w", &StatusError{API: "LOGILESS", Method: "POST", Path: "/x", StatusCode: tt.status})
		if got := Retryable(err); got != tt.want {
			t.Errorf("Retryable(%d) = %v, want %v", tt.status, got, tt.want)
		}
	}
	if Retryable(context.Canceled) {
		t.Error("context.Canceled must not be retryable")
	}
	if !Retryable(context.DeadlineExceeded) {
		t.Error("a timeout must be retryable")
	}
	if !Retryable(fmt.Errorf("decode: %w", ErrMalformedResponse)) {
		t.Error("a malformed body must be retryable")
	}
	if Retryable(errors.New("mapping: unknown sku")) {
		t.Error("a plain error must not be retryable")
	}
}

func TestStatusErrorText(t *testing.T) {
	err := &StatusError{API: "LOGILESS", Method: "POST", Path: "/api/v1/merchant/1/sales_orders/new", StatusCode: 400,
		Message: "Validation Failed", FieldErrors: map[string]string{"store": "required", "code": "duplicate"}}
	want := "LOGILESS POST /api/v1/merchant/1/sales_orders/new: HTTP 400: Validation Failed (code: duplicate; store: required)"
	if err.Error() != want {
		t.Errorf("Error() = %q\nwant %q", err.Error(), want)
	}
	if !IsStatus(fmt.Errorf("wrap: %w", err), 400) || IsStatus(err, 401) {
		t.Error("IsStatus mismatch")
	}
}

func TestLimiterPauseBlocksEveryone(t *testing.T) {
	l := NewLimiter(0, 1)
	l.PauseFor(150 * time.Millisecond)
	l.PauseFor(10 * time.Millisecond) // shorter pause must not shorten the first
	start := time.Now()
	if err := l.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 140*time.Millisecond {
		t.Errorf("Wait returned after %v, want >= 150ms", waited)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	l.PauseFor(time.Second)
	if err := l.Wait(ctx); err == nil || !strings.Contains(err.Error(), "deadline") {
		t.Errorf("Wait under a pause with a short context = %v, want deadline error", err)
	}
}

func TestLimiterRate(t *testing.T) {
	l := NewLimiter(20, 1)
	start := time.Now()
	for i := 0; i < 5; i++ {
		if err := l.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	// 5 requests at 20/s with burst 1: at least 4 intervals of 50ms.
	if waited := time.Since(start); waited < 190*time.Millisecond {
		t.Errorf("5 requests at 20/s took %v, want >= 200ms", waited)
	}
}

func TestExcerptKeepsUTF8Whole(t *testing.T) {
	body := []byte(strings.Repeat("あ", 100)) // 300 bytes
	got := Excerpt(body)
	if !utf8.ValidString(got) {
		t.Fatalf("Excerpt split a character: %q", got)
	}
	if len(got) > 200+len("…") {
		t.Errorf("Excerpt is %d bytes, want at most 200 plus the ellipsis", len(got))
	}
	if Excerpt([]byte("short")) != "short" {
		t.Error("a short body must come back unchanged")
	}
}
