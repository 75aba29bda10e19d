package httpapi

import (
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// redacted replaces every secret in errors and logs.
const redacted = "[REDACTED]"

// Redact removes every secret (and its URL-query-escaped form) from s.
// Secrets shorter than four characters are ignored: masking them would
// shred ordinary text without protecting anything.
func Redact(s string, secrets ...string) string {
	if s == "" {
		return s
	}
	// Longer secrets first, so that one containing another is fully masked.
	sorted := make([]string, 0, 2*len(secrets))
	for _, v := range secrets {
		if len(v) < 4 {
			continue
		}
		sorted = append(sorted, v)
		if esc := url.QueryEscape(v); esc != v {
			sorted = append(sorted, esc)
		}
	}
	sort.Slice(sorted, func(i, j int) bool { return len(sorted[i]) > len(sorted[j]) })
	for _, v := range sorted {
		s = strings.ReplaceAll(s, v, redacted)
	}
	return s
}

// queryPart matches the query of a URL inside free text.
var queryPart = regexp.MustCompile(`\?[^\s"'<>]*`)

// restyLogger routes resty's own messages to slog at debug level, without
// URL queries (the LOGILESS token endpoint's carries secrets) and without
// any secret the Authorizer names.
type restyLogger struct {
	log    *slog.Logger
	redact func(string) string
}

func (l restyLogger) emit(format string, v ...any) {
	msg := queryPart.ReplaceAllString(fmt.Sprintf(format, v...), "?[query removed]")
	l.log.Debug("resty: " + l.redact(msg))
}

func (l restyLogger) Errorf(format string, v ...any) { l.emit(format, v...) }
func (l restyLogger) Warnf(format string, v ...any)  { l.emit(format, v...) }
func (l restyLogger) Debugf(format string, v ...any) { l.emit(format, v...) }
