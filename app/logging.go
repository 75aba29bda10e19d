package app

import (
	"io"
	"log/slog"
	"strings"

	"github.com/ecforce-logiless/connector/config"
)

// NewLogger returns the process logger in the configured format and level.
func NewLogger(w io.Writer, proc config.Process) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(strings.ToUpper(proc.LogLevel)))
	opts := &slog.HandlerOptions{Level: level}
	if proc.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
