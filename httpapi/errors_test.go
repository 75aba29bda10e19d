package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

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

func TestRejected(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{&StatusError{StatusCode: 400}, true},
		{fmt.Errorf("update stock: %w", &StatusError{StatusCode: 422}), true},
		{&StatusError{StatusCode: 401}, false},
		{&StatusError{StatusCode: 404}, false},
		{&StatusError{StatusCode: 423}, false},
		{&StatusError{StatusCode: 429}, false},
		{&StatusError{StatusCode: 500}, false},
		{errors.New("plain"), false},
		{nil, false},
	} {
		if got := Rejected(tt.err); got != tt.want {
			t.Errorf("Rejected(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestMayHaveApplied(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{&StatusError{StatusCode: 500}, true},
		{&StatusError{StatusCode: 502}, true},
		{&StatusError{StatusCode: 408}, true},
		{&StatusError{StatusCode: 429}, false},
		{&StatusError{StatusCode: 400}, false},
		{&TransportError{Err: io.ErrUnexpectedEOF}, true},
		{context.DeadlineExceeded, true},
		{context.Canceled, false},
		{errors.New("plain"), false},
	} {
		if got := MayHaveApplied(tt.err); got != tt.want {
			t.Errorf("MayHaveApplied(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestRedact(t *testing.T) {
	got := Redact("a=tok-123+/ b=tok-123%2B%2F c=tok-123+/-longer d=abc", "tok-123+/", "tok-123+/-longer", "abc")
	want := "a=[REDACTED] b=[REDACTED] c=[REDACTED] d=abc"
	if got != want {
		t.Errorf("Redact = %q\nwant %q", got, want)
	}
}
