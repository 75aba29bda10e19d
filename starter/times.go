package main

import (
	"time"

	"github.com/ecforce-logiless/connector/ecforce"
)

// jst is the zone of every time the starter prints or reads.
var jst = ecforce.JST

// formatJST prints t for people: JST, with the zone.
func formatJST(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(jst).Format("2006-01-02 15:04:05 MST")
}

// parseCLITime reads a time given on the command line: RFC 3339, or
// 2006-01-02T15:04 in JST.
func parseCLITime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.ParseInLocation("2006-01-02T15:04", s, jst)
}
