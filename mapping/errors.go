package mapping

import (
	"fmt"
	"strings"
)

// MaxProblems is how many problems a ValidationError lists; the rest are
// only counted, in Omitted.
const MaxProblems = 50

// Problem is one thing wrong with a mapping file.
type Problem struct {
	// Line is the CSV line (1-based) of the record at fault; 0 when the
	// problem concerns no single line (an empty file, a row built in code).
	Line int
	// Message says what is wrong, naming the column and the offending value.
	Message string
}

// String returns "line N: message", or the message alone when Line is 0.
func (p Problem) String() string {
	if p.Line <= 0 {
		return p.Message
	}
	return fmt.Sprintf("line %d: %s", p.Line, p.Message)
}

// ValidationError lists every problem found in a mapping file, in file order
// (header problems first). A file with any problem yields no table at all:
// callers must not fall back to an older table silently.
type ValidationError struct {
	// File is the path of the file, when it was read from one.
	File string
	// Problems holds the first MaxProblems problems.
	Problems []Problem
	// Omitted counts the problems beyond MaxProblems.
	Omitted int
}

// Error joins the problems on one line, "; "-separated. Print Problems one
// per line for people.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("mapping table")
	if e.File != "" {
		fmt.Fprintf(&b, " %s", e.File)
	}
	total := len(e.Problems) + e.Omitted
	if total == 1 {
		b.WriteString(": ")
	} else {
		fmt.Fprintf(&b, ": %d problems: ", total)
	}
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	if e.Omitted > 0 {
		fmt.Fprintf(&b, "; and %d more", e.Omitted)
	}
	return b.String()
}

// collector gathers problems up to MaxProblems and counts the rest.
type collector struct {
	problems []Problem
	omitted  int
}

func (c *collector) add(line int, format string, args ...any) {
	if len(c.problems) >= MaxProblems {
		c.omitted++
		return
	}
	c.problems = append(c.problems, Problem{Line: line, Message: fmt.Sprintf(format, args...)})
}

func (c *collector) empty() bool { return len(c.problems) == 0 && c.omitted == 0 }

// err returns the collected problems as a *ValidationError, or nil.
func (c *collector) err(file string) error {
	if c.empty() {
		return nil
	}
	return &ValidationError{File: file, Problems: c.problems, Omitted: c.omitted}
}
