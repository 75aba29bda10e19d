package app

import (
	"io"
	"log/slog"
	"strings"

	"github.com/ecforce-logiless/connector/config"
	"github.com/ecforce-logiless/connector/ecforce"
)

// NewLogger returns the process logger in the configured format and level.
// Every time in it, the record's own and any time attribute, is written in
// JST with its offset (2026-12-02T05:30:00.000+09:00), the zone the shop's
// staff and both APIs use.
func NewLogger(w io.Writer, proc config.Process) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(strings.ToUpper(proc.LogLevel)))
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: timesInJST}
	if proc.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// timesInJST is the loggers' ReplaceAttr: it moves time values to JST.
func timesInJST(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindTime {
		a.Value = slog.TimeValue(a.Value.Time().In(ecforce.JST))
	}
	return a
}
