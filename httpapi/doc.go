// Package httpapi is the one HTTP transport of the ecforce and LOGILESS
// clients. It owns everything about talking to a rate-limited JSON API that
// is not specific to one API:
//
//   - pacing: one [Limiter] per API budget that every request waits on,
//     served by [Priority] (carried in the context, [WithPriority]) and
//     bounded only by the caller's context, and that the API's answers
//     hold for every caller: X-RateLimit-Remaining 0 until its Reset
//     ([BudgetHold]), a 429 for its Retry-After or Reset ([RetryDelay]) or,
//     when it says nothing, for the limiter's refill time;
//   - the request loop, [Transport.Do]: per-attempt timeouts (started when
//     the limiter grants the attempt), in-client
//     retries of 429s and of safe requests (GETs and requests the caller
//     flags idempotent) with [Backoff], and never a resend of a write whose
//     answer was lost;
//   - authentication as a plug-in: an [Authorizer] sets the credentials and
//     is told about a 401 at most once per request, so a client can sign in
//     again or refresh its token without ever looping;
//   - redaction of every secret the Authorizer (or a request) names from
//     errors and logs, and the adapter that routes resty's own messages;
//   - the errors: [StatusError] for a non-2xx answer, [TransportError] for no
//     answer, and the predicates callers decide with: [Retryable],
//     [Rejected] (the API refused the request's content), [MayHaveApplied];
//   - the [Observer] told about every exchange, for metrics.
//
// The clients keep only their auth strategy, their resources and the
// decoding of their bodies.
package httpapi
