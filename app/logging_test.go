package app

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/ecforce-logiless/connector/config"
)

// Log lines carry their times in JST with the +09:00 offset, in both
// formats, for the record's time and for time attributes.
func TestNewLoggerWritesTimesInJST(t *testing.T) {
	shipped := time.Date(2026, 12, 1, 20, 30, 0, 0, time.UTC)
	for _, format := range []string{"text", "json"} {
		var buf bytes.Buffer
		NewLogger(&buf, config.Process{LogLevel: "info", LogFormat: format}).Info("shipped", "shipped_at", shipped)
		line := buf.String()
		if !strings.Contains(line, "2026-12-02T05:30:00+09:00") && !strings.Contains(line, "2026-12-02T05:30:00.000+09:00") {
			t.Errorf("%s: shipped_at not in JST: %s", format, line)
		}
		recordTime := line[:strings.Index(line, "msg")]
		if !strings.Contains(recordTime, "+09:00") {
			t.Errorf("%s: the record's time is not in JST: %s", format, line)
		}
	}
}
