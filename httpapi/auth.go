package httpapi

import (
	"context"
	"net/http"
)

// Authorizer is a client's authentication strategy, plugged into a
// [Transport]: a static token, a session obtained by signing in, or an
// OAuth token pair that is refreshed.
type Authorizer interface {
	// Authorize sets the credentials of one attempt on h and returns the
	// credential it used (for example the token), which the transport
	// redacts and hands back to Unauthorized. It may block, for example
	// while signing in; its error is returned to the caller as it is.
	Authorize(ctx context.Context, h http.Header) (credential string, err error)
	// Unauthorized is told about a 401. Answering retry=true sends the
	// request once more (after signing in again or refreshing); the
	// transport does so at most once per request, so u.Retried=true means
	// this is the second 401 and retry is ignored. A non-nil err is
	// returned to the caller instead of u.Err (it should wrap u.Err).
	Unauthorized(ctx context.Context, u Unauthorized) (retry bool, err error)
	// Secrets lists the strings that must never appear in an error or a
	// log line: tokens, passwords, client secrets.
	Secrets() []string
}

// Unauthorized describes a 401 answer to an Authorizer.
type Unauthorized struct {
	// Credential is what Authorize returned for the refused attempt.
	Credential string
	// Err is the 401 answer, already redacted.
	Err *StatusError
	// Retried reports that the request was already sent again after a 401.
	Retried bool
}
