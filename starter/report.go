package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/temporal"

	"github.com/ecforce-logiless/connector/config"
)

// usageError is a command line the starter cannot run: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// commandError is an error returned by a command's own code (as opposed to
// the command line parser): exit code 1 unless it is a usageError.
type commandError struct{ err error }

func (e commandError) Error() string { return e.err.Error() }
func (e commandError) Unwrap() error { return e.err }

// runFailed is a workflow run the starter waited for that did not complete.
type runFailed struct {
	what string // "import of order EC00010008 of shop demo"
	link string // the run in the Web UI
	err  error  // what the SDK returned
}

func (e *runFailed) Error() string { return e.what + " failed: " + e.err.Error() }
func (e *runFailed) Unwrap() error { return e.err }

// markCommandErrors wraps the RunE of c and of every command below it so
// that report can tell a failed command (exit 1) from a command line that
// cobra refused before running anything (exit 2).
func markCommandErrors(c *cobra.Command) {
	if inner := c.RunE; inner != nil {
		c.RunE = func(cmd *cobra.Command, args []string) error {
			err := inner(cmd, args)
			var usage usageError
			if err == nil || errors.As(err, &usage) {
				return err
			}
			return commandError{err}
		}
	}
	for _, sub := range c.Commands() {
		markCommandErrors(sub)
	}
}

// report prints err for people and returns the exit code: the cause on the
// first line, the details indented below it. A usage error is one line
// that names the command and where its help is.
func report(w io.Writer, cmd *cobra.Command, err error) int {
	var failed commandError
	var usage usageError
	if errors.As(err, &usage) || !errors.As(err, &failed) {
		path := "starter"
		if cmd != nil {
			path = cmd.CommandPath()
		}
		fmt.Fprintf(w, "%s: %s (see %s --help)\n", path, oneLine(err.Error()), path)
		return exitUsage
	}
	cause, details := explain(failed.err)
	fmt.Fprintln(w, "starter: "+cause)
	for _, d := range details {
		fmt.Fprintln(w, "  "+d)
	}
	return exitFailed
}

// explain splits err into a one-line cause and the details after it.
func explain(err error) (cause string, details []string) {
	var rf *runFailed
	if errors.As(err, &rf) {
		cause, details = rootCause(rf.err)
		details = append([]string{rf.what + " failed"}, details...)
		if chain := oneLine(rf.err.Error()); chain != cause {
			details = append(details, "error chain: "+chain)
		}
		if rf.link != "" {
			details = append(details, "run: "+rf.link)
		}
		return cause, details
	}
	var verr *config.ValidationError
	if errors.As(err, &verr) && len(verr.Problems) > 1 {
		src := verr.Source
		if src == "" {
			src = "invalid settings"
		}
		return fmt.Sprintf("%s: %d problems", src, len(verr.Problems)), verr.Problems
	}
	lines := strings.Split(strings.TrimSpace(err.Error()), "\n")
	return lines[0], lines[1:]
}

// rootCause is the innermost Temporal failure of a workflow error, in one
// line: for an application error its type and message (the text that says
// what to fix), for a timeout, cancellation or termination what happened.
// What follows the first line of a multi-line message is returned as
// details.
func rootCause(err error) (cause string, details []string) {
	cause = err.Error()
	for e := err; e != nil; e = errors.Unwrap(e) {
		var app *temporal.ApplicationError
		var timeout *temporal.TimeoutError
		var canceled *temporal.CanceledError
		var terminated *temporal.TerminatedError
		var panicked *temporal.PanicError
		switch {
		case asExactly(e, &app):
			cause = app.Message()
			if app.Type() != "" {
				cause = app.Type() + ": " + cause
			}
		case asExactly(e, &timeout):
			cause = "timed out (" + strings.ToLower(strings.TrimPrefix(timeout.TimeoutType().String(), "TIMEOUT_TYPE_")) + ")"
		case asExactly(e, &canceled):
			cause = "canceled"
		case asExactly(e, &terminated):
			cause = "terminated (the run's history says by whom and why)"
		case asExactly(e, &panicked):
			cause = "panic: " + panicked.Error()
		}
	}
	lines := strings.Split(strings.TrimSpace(cause), "\n")
	return lines[0], lines[1:]
}

// asExactly is errors.As for e itself, not its chain.
func asExactly[T error](e error, target *T) bool {
	t, ok := e.(T)
	if ok {
		*target = t
	}
	return ok
}

// oneLine joins the lines of s with "; ".
func oneLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.Join(lines, "; ")
}
