package config

import (
	"fmt"
	"strings"
)

// ValidationError lists every problem found in a set of settings. Problems
// never contain a secret's value.
type ValidationError struct {
	// Source says where the settings came from, e.g. "shops file shops.yaml"
	// or "environment"; empty for a shop validated on its own.
	Source string
	// Problems are complete sentences such as
	// `shop "demo": logiless.merchant_id: required (a positive number)`.
	Problems []string
}

// Error joins the problems on one line, "; "-separated. Print Problems one
// per line for people.
func (e *ValidationError) Error() string {
	src := e.Source
	if src == "" {
		src = "invalid settings"
	}
	if len(e.Problems) == 1 {
		return src + ": " + e.Problems[0]
	}
	return fmt.Sprintf("%s: %d problems: %s", src, len(e.Problems), strings.Join(e.Problems, "; "))
}

// problems collects messages; add formats one.
type problems []string

func (p *problems) add(format string, args ...any) {
	*p = append(*p, fmt.Sprintf(format, args...))
}

// err returns the collected problems as a *ValidationError, or nil.
func (p problems) err(source string) error {
	if len(p) == 0 {
		return nil
	}
	return &ValidationError{Source: source, Problems: p}
}
